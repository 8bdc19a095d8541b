/**
 * BatchNormalization in training mode as ONE differentiable op with a closed-form backward pass.
 *
 * tf.layers' BatchNormalization trains through tf.moments + tf.batchNorm, so the tape holds Mean, Sub,
 * Square, Mean and FusedBatchNorm nodes, and the backward pass runs each of their gradients: about 15
 * full-size elementwise passes per layer (the prototype measured the non-conv kernels at ~30 % of a
 * DenseNet121 step). Here the forward is 5 passes and the backward 7:
 *   S = Σ dy·(x-μ), Σdy;   dx = γr·dy + B·x + C  with r = 1/sqrt(σ²+ε), B = -γr³S/N, C = -γr·Σdy/N - B·μ
 *   dγ = r·S, dβ = Σdy
 * (σ² is the biased batch variance, as in tf.moments.)
 * On native the forward (statistics and normalisation) and the whole backward are one oneDNN primitive each
 * (lib/kernels/native/kernels/batchnorm.ts). On wasm the statistics, the normalisation, the two gradient sums
 * and dx each take ONE pass, in the kernels of lib/kernels/wasm/batchnorm-kernels.ts (wasm SIMD module, or JS
 * loops if it cannot load; stock wasm reductions transpose the whole tensor first); other backends use the
 * equivalent tf ops (the affine B·x + C there runs as one FusedBatchNorm kernel).
 *
 * Installed by patching BatchNormalization.prototype.call, so models built with the standard
 * tf.layers.batchNormalization get it without any change; weights, their names and order are untouched, and
 * the moving statistics are updated exactly as tfjs-layers does. Only the common case is taken over
 * (training, normalised axis = last, center and scale on); everything else runs the stock code.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { movingAverageInPlace } from '../../kernels/native/in-place';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from '../../kernels/native/kernels/batchnorm';
import { AFFINE2, BATCH_NORM_FORWARD, CHANNEL_GRAD_SUMS, CHANNEL_MOMENTS } from '../../kernels/wasm/batchnorm-kernels';

interface LayerVariable {
  read(): tf.Tensor;
  write(t: tf.Tensor): void;
}

interface BatchNormLayer {
  /** A number, or a one-element list in layers loaded from Keras JSON. */
  axis: number | number[];
  epsilon: number;
  momentum: number;
  center: boolean;
  scale: boolean;
  gamma: LayerVariable;
  beta: LayerVariable;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
}

type CallFn = (this: BatchNormLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor;

/** True when the single-pass JS kernels can be used: wasm is active and they are registered. */
function useHeapKernels(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(CHANNEL_MOMENTS, 'wasm') != null;
}

function moments(x: tf.Tensor, axes: number[]): [tf.Tensor, tf.Tensor] {
  if (useHeapKernels()) return tf.engine().runKernel(CHANNEL_MOMENTS, { x }) as tf.Tensor[] as [tf.Tensor, tf.Tensor];
  const mean = tf.mean(x, axes);
  return [mean, tf.mean(tf.square(tf.sub(x, mean)), axes)];
}

function gradSums(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, axes: number[]): [tf.Tensor, tf.Tensor] {
  if (useHeapKernels()) {
    return tf.engine().runKernel(CHANNEL_GRAD_SUMS, { dy, x, mean }) as tf.Tensor[] as [tf.Tensor, tf.Tensor];
  }
  return [tf.sum(dy, axes), tf.sum(tf.mul(dy, tf.sub(x, mean)), axes)];
}

/** a·dy + b·x + c with per-channel a, b, c. */
function affine2(dy: tf.Tensor, x: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, epsilon: number): tf.Tensor {
  if (useHeapKernels()) return tf.engine().runKernel(AFFINE2, { dy, x, a, b, c }) as tf.Tensor;
  // b·x + c as batchNorm(x, mean 0, variance 1-ε, offset c, scale b) = x·b·rsqrt(1) + c: one pass.
  const bx = tf.batchNorm(x, tf.zerosLike(b), tf.fill(b.shape, 1 - epsilon), c, b, epsilon);
  return tf.add(tf.mul(dy, a), bx);
}

/** β + (x-μ)·γ/sqrt(σ²+ε): on wasm the SIMD forward kernel (it falls back to the stock FusedBatchNorm). */
function normalize(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, beta: tf.Tensor, gamma: tf.Tensor, epsilon: number): tf.Tensor {
  if (useHeapKernels() && tf.getKernel(BATCH_NORM_FORWARD, 'wasm') != null) {
    return tf.engine().runKernel(BATCH_NORM_FORWARD, { x, mean, variance, gamma, beta }, { epsilon }) as tf.Tensor;
  }
  return tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
}

interface TrainingResult {
  y: tf.Tensor;
  mean: tf.Tensor;
  variance: tf.Tensor;
}

/**
 * The native backend's path: one kernel forward (y, mean, variance), one backward (dx, dγ, dβ). With `relu`,
 * y is relu(bn(x)) from the same kernels (oneDNN's fused BN+ReLU: a bit mask replaces the ReLU pass and its
 * gradient pass, and the BN output itself is never stored).
 */
function normalizeTrainingNative(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, relu: boolean): TrainingResult {
  let stats: [tf.Tensor, tf.Tensor] | null = null;
  const op = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const attrs = { epsilon, relu };
    const [y, mean, variance, workspace] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x: xIn, gamma: g, beta: b }, attrs) as tf.Tensor[];
    save(workspace ? [xIn, mean, variance, g, b, workspace] : [xIn, mean, variance, g, b]);
    stats = [tf.keep(mean), tf.keep(variance)];
    tf.dispose(workspace); // save() kept its own reference
    return {
      value: y,
      gradFunc: (dyIn: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const dy = Array.isArray(dyIn) ? dyIn[0] : dyIn;
        const [xs, mu, v, gs, bs, ws] = saved;
        const inputs = { dy, x: xs, mean: mu, variance: v, gamma: gs, beta: bs, ...(ws ? { workspace: ws } : {}) };
        return tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, inputs, { epsilon }) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta);
  const [mean, variance] = stats as unknown as [tf.Tensor, tf.Tensor];
  return { y, mean, variance };
}

function normalizeTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): TrainingResult {
  if (hasNativeTraining()) return normalizeTrainingNative(x, gamma, beta, epsilon, false);
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const n = x.size / x.shape[x.shape.length - 1];
  let stats: [tf.Tensor, tf.Tensor] | null = null;
  const op = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [mean, variance] = moments(xIn, axes);
    const rstd = tf.rsqrt(tf.add(variance, tf.scalar(epsilon)));
    const y = normalize(xIn, mean, variance, b, g, epsilon);
    save([xIn, mean, rstd, g]);
    stats = [tf.keep(mean), tf.keep(variance)];
    return {
      value: y,
      gradFunc: (dyIn: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const dy = Array.isArray(dyIn) ? dyIn[0] : dyIn;
        const [xs, mu, r, gs] = saved;
        const [sumDy, s] = gradSums(dy, xs, mu, axes);
        const gr = tf.mul(gs, r);
        const bCoef = tf.neg(tf.div(tf.mul(tf.mul(gr, tf.square(r)), s), tf.scalar(n)));
        const cCoef = tf.sub(tf.neg(tf.div(tf.mul(gr, sumDy), tf.scalar(n))), tf.mul(bCoef, mu));
        const dx = affine2(dy, xs, gr, bCoef, cCoef, epsilon);
        return [dx, tf.mul(s, r), sumDy];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta);
  const [mean, variance] = stats as unknown as [tf.Tensor, tf.Tensor];
  return { y, mean, variance };
}

function hasNativeTraining(): boolean {
  return tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) != null;
}

/** Whether this op can train `layer` on `x`: normalised axis last, center and scale on (the common case). */
function takesOver(layer: BatchNormLayer, x: tf.Tensor): boolean {
  const axes = Array.isArray(layer.axis) ? layer.axis : [layer.axis];
  const lastAxis = axes.length === 1 && (axes[0] === -1 || axes[0] === x.rank - 1);
  return lastAxis && layer.center && layer.scale;
}

/** One training-mode call: the batch-normalised x (ReLU'd when `relu`, native only), moving statistics updated. */
function trainingCall(layer: BatchNormLayer, x: tf.Tensor, relu: boolean): tf.Tensor {
  return tf.tidy(() => {
    const gamma = layer.gamma.read();
    const beta = layer.beta.read();
    const { y, mean, variance } = relu
      ? normalizeTrainingNative(x, gamma, beta, layer.epsilon, true)
      : normalizeTraining(x, gamma, beta, layer.epsilon);
    // Same update as tfjs-layers: moving = moving - (moving - batch) * (1 - momentum); on native in place.
    for (const [variable, value] of [
      [layer.movingMean, mean],
      [layer.movingVariance, variance],
    ] as const) {
      if (movingAverageInPlace(variable.read() as tf.Variable, value, layer.momentum)) continue;
      tf.tidy(() => {
        const orig = variable.read();
        variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - layer.momentum)));
      });
    }
    tf.dispose([mean, variance]);
    return y;
  });
}

/**
 * relu(batchNorm(x)) of a BatchNormalization layer in training mode as one fused native op, moving statistics
 * updated as by the layer itself; null when the native kernels are not active or the layer is not the common
 * case (the caller then runs the two layers). For graph executors that know the BN output feeds only a ReLU.
 */
export function batchNormReluTraining(layer: tfl.layers.Layer, x: tf.Tensor): tf.Tensor | null {
  const bn = layer as unknown as BatchNormLayer;
  if (layer.getClassName() !== 'BatchNormalization' || !hasNativeTraining() || !takesOver(bn, x)) return null;
  return trainingCall(bn, x, true);
}

let stockCall: CallFn | null = null;

function batchNormPrototype(): { call: CallFn } {
  const probe = tfl.layers.batchNormalization({});
  return Object.getPrototypeOf(probe) as { call: CallFn };
}

export function installBatchNormTraining(): void {
  if (stockCall != null) return;
  const proto = batchNormPrototype();
  const original = proto.call;
  stockCall = original;
  proto.call = function call(this: BatchNormLayer, inputs, kwargs) {
    const training = kwargs?.['training'] === true;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!training || !takesOver(this, x) || (Array.isArray(inputs) && inputs.length !== 1)) {
      return original.call(this, inputs, kwargs);
    }
    return trainingCall(this, x, false);
  };
}

export function uninstallBatchNormTraining(): void {
  if (stockCall == null) return;
  batchNormPrototype().call = stockCall;
  stockCall = null;
}
