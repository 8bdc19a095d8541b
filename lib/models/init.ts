/**
 * torch-style random initialisation, seeded. Each weight draws from its own generator seeded by
 * (seed, layer name, weight role), so a weight's values do not depend on the order layers are visited, and a
 * truncated model keeps exactly the values the full model had.
 *
 * Schemes, as torchvision/torch define them (fan_in = in*kh*kw, fan_out = out*kh*kw):
 * - 'kaiming-normal-fan-in'   N(0, 2/fan_in)     torchvision densenet convs (`kaiming_normal_(w)`)
 * - 'kaiming-normal-fan-out'  N(0, 2/fan_out)    torchvision resnet convs (`mode="fan_out", nonlinearity="relu"`)
 * - 'torch-default'           U(±1/sqrt(fan_in)) nn.Conv2d / nn.Linear default (kaiming_uniform a=sqrt(5)),
 *                                                 also the default for their biases
 * - 'zeros'                                       e.g. torchvision densenet's Linear bias
 * BatchNorm: gamma 1, beta 0, running mean 0, running var 1 (the layer's constant initializers).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed } from '../util/random';

export type InitScheme = 'kaiming-normal-fan-in' | 'kaiming-normal-fan-out' | 'torch-default' | 'zeros';

export interface InitRules {
  convKernel: InitScheme;
  convBias: InitScheme;
  denseKernel: InitScheme;
  denseBias: InitScheme;
}

function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 4) {
    const [kh, kw, cin, cout] = shape as [number, number, number, number];
    return { fanIn: kh * kw * cin, fanOut: kh * kw * cout };
  }
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  throw new Error(`init: unsupported kernel rank ${shape.length}`);
}

/** Values for one weight. `kernelShape` gives the fans (a bias uses its layer's kernel fans, as torch does). */
export function sampleInit(
  scheme: InitScheme,
  size: number,
  kernelShape: number[],
  seed: number,
): Float32Array {
  const out = new Float32Array(size);
  if (scheme === 'zeros') return out;
  const rng = createRng(seed);
  const { fanIn, fanOut } = fans(kernelShape);
  if (scheme === 'torch-default') {
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < size; i++) out[i] = rng.uniform(-bound, bound);
    return out;
  }
  const std = Math.sqrt(2 / (scheme === 'kaiming-normal-fan-in' ? fanIn : fanOut));
  for (let i = 0; i < size; i++) out[i] = std * rng.normal();
  return out;
}

/** Re-initialise every Conv2D and Dense layer of `model` (BatchNorm keeps its constant init). */
export function applyTorchInit(model: tf.LayersModel, rules: InitRules, seed: number): void {
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Dense') continue;
    initLayer(layer, cls === 'Conv2D' ? rules.convKernel : rules.denseKernel,
      cls === 'Conv2D' ? rules.convBias : rules.denseBias, seed);
  }
}

export function initLayer(layer: tf.layers.Layer, kernelScheme: InitScheme, biasScheme: InitScheme, seed: number): void {
  const weights = layer.getWeights();
  const kernelShape = weights[0]!.shape;
  const values = weights.map((w, i) =>
    tf.tensor(
      sampleInit(i === 0 ? kernelScheme : biasScheme, w.size, kernelShape, deriveSeed(seed, layer.name, i === 0 ? 'kernel' : 'bias')),
      w.shape,
    ),
  );
  layer.setWeights(values);
  tf.dispose(values);
}
