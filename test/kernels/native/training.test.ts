/**
 * Training on native equals stock tfjs on cpu: BatchNorm as one fused op in both modes, and whole training
 * steps (forward, BCE with logits, backward, the project's TorchAdam) of a tiny CBR net, a DenseNet block and a
 * ResNet bottleneck. The cpu references are computed before any project patch is installed, so they are stock
 * tfjs-layers / tfjs-core end to end.
 */
import { beforeAll, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { TorchAdam } from '../../../lib/train/adam';
import { randomTensor, relMaxError } from '../../backend/helpers';
import { bceLoss, makeFixture, tinyCbr, tinyDenseNet, tinyResNetBottleneck, type Fixture } from '../../backend/models';
import { describeNative, useNative } from './helpers';

/** One BN layer: training-mode output, dx, dγ, dβ, moving statistics, then an inference-mode output. */
function bnLayerRun(): Float32Array[] {
  const layer = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5 });
  // Channel means far from 0 test the statistics for cancellation; 13 channels, odd spatial size.
  const offsets = tf.tensor1d([0, 5, -20, 100, 0.1, 3, -1, 2, 7, -9, 0.5, 40, -3]);
  const x = tf.tidy(() => tf.add(randomTensor([3, 9, 7, 13], 11), offsets));
  const dy = randomTensor([3, 9, 7, 13], 12);
  layer.build(x.shape);
  layer.setWeights([randomTensor([13], 13), randomTensor([13], 14), ...layer.getWeights().slice(2)]);
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const out = tf.tidy(() => {
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const dx = tf.grad((a: tf.Tensor) => layer.apply(a, { training: true }) as tf.Tensor)(x, dy);
    const vg = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar, vars);
    const inference = layer.apply(x, { training: false }) as tf.Tensor;
    return [y, dx, ...vars.map((v) => vg.grads[v.name]), ...layer.getWeights().slice(2), inference];
  });
  const values = out.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  tf.dispose([...out, x, dy, offsets]);

  return values;
}



const LEARNING_RATE = 1e-3;
const STEPS = 3;

/**
 * Three Adam steps (torch semantics, weight decay) from the fixture's initial weights: all weights after, and
 * the first step's gradients of the trainable ones.
 */
function adamSteps(f: Fixture): { weights: Float32Array[]; grads: Float32Array[]; stats: Float32Array[] } {
  f.model.setWeights(f.initial.map((v, i) => tf.tensor(v, f.model.getWeights()[i].shape)));
  const x = tf.tensor(f.x, f.xShape);
  const y = tf.tensor(f.y, f.yShape);
  const vars = f.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const adam = new TorchAdam(vars, { learningRate: LEARNING_RATE, weightDecay: 1e-4 });
  let grads: Float32Array[] = [];
  for (let step = 0; step < STEPS; step++) {
    const { value, grads: g } = tf.variableGrads(() => bceLoss(f.model, x, y), vars);
    if (step === 0) grads = vars.map((v) => Float32Array.from(g[v.name].dataSync() as Float32Array));
    adam.apply(vars.map((v) => g[v.name]));
    tf.dispose([value, ...Object.values(g)]);
  }
  adam.dispose();
  tf.dispose([x, y]);
  const values = (ws: tf.LayerVariable[]): Float32Array[] => ws.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
  return { weights: values(f.model.trainableWeights), grads, stats: values(f.model.nonTrainableWeights) };
}

function maxAbs(values: Float32Array[]): number {
  let m = 0;
  for (const v of values) for (const e of v) m = Math.max(m, Math.abs(e));
  return m;
}

/**
 * Adam divides each gradient by its own running magnitude, so an entry whose true gradient is 0 (a conv bias
 * feeding BatchNorm, a channel no ReLU lets through) moves by up to ±lr per step on float32 noise, on any
 * backend: those entries may differ by 2·lr per step. Every other entry must agree to 1e-4 of its variable's
 * scale (floored at 1 % of the largest weight).
 */
function expectSameTraining(got: Float32Array[], ref: Float32Array[], refGrads: Float32Array[], names: string[]): void {
  const noiseGrad = 1e-5 * maxAbs(refGrads);
  const weightFloor = 1e-2 * maxAbs(ref);
  let checked = 0;
  ref.forEach((r, i) => {
    const scale = Math.max(maxAbs([r]), weightFloor);
    let worst = 0;
    for (let j = 0; j < r.length; j++) {
      const diff = Math.abs(got[i][j] - r[j]);
      if (Math.abs(refGrads[i][j]) < noiseGrad) {
        expect(diff, `${names[i]}[${j}] (gradient at noise level)`).toBeLessThanOrEqual(2 * LEARNING_RATE * STEPS);
      } else {
        worst = Math.max(worst, diff / scale);
        checked++;
      }
    }
    expect(worst, names[i]).toBeLessThan(1e-4);
  });
  // The comparison must be about real gradients, not the noise allowance.
  expect(checked).toBeGreaterThan(0.8 * ref.reduce((n, r) => n + r.length, 0));
}

describeNative('training on native equals stock tfjs on cpu', () => {
  const fixtures: Fixture[] = [];
  const reference = new Map<string, ReturnType<typeof adamSteps>>();
  let bnReference: Float32Array[] = [];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    bnReference = bnLayerRun();
    fixtures.push(makeFixture('CBR', () => tinyCbr(), 1, 4));
    fixtures.push(makeFixture('DenseNet block', () => tinyDenseNet(), 2, 4));
    fixtures.push(makeFixture('ResNet bottleneck', () => tinyResNetBottleneck(), 3, 4));
    for (const f of fixtures) reference.set(f.name, adamSteps(f));
    await useNative();
  });

  it('BatchNormalization as one fused op: training output, dx, dγ, dβ, moving statistics, inference output', () => {
    const got = bnLayerRun();
    const names = ['y', 'dx', 'dgamma', 'dbeta', 'moving mean', 'moving variance', 'inference y'];
    bnReference.forEach((ref, i) => expect(relMaxError(got[i], ref), names[i]).toBeLessThan(1e-5));
  });

  it.each(['CBR', 'DenseNet block', 'ResNet bottleneck'])('%s: weights and BatchNorm statistics after 3 Adam steps', (name) => {
    const f = fixtures.find((g) => g.name === name)!;
    const ref = reference.get(name)!;
    const got = adamSteps(f);
    expectSameTraining(got.weights, ref.weights, ref.grads, f.model.trainableWeights.map((w) => w.name));
    // BatchNorm moving statistics after three updates. A moving mean follows the batch mean of its input, which
    // includes the bias of the conv before it: an Adam-noise entry (above), hence the looser bound.
    expect(ref.stats.length).toBeGreaterThan(0);
    ref.stats.forEach((r, i) => expect(relMaxError(got.stats[i], r), f.model.nonTrainableWeights[i].name).toBeLessThan(1e-3));
  });
});
