import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { bceLoss, makeFixture, tinyCbr, tinyDenseNet, tinyResNetBottleneck, type Fixture } from './models';

interface StepResult {
  loss: number;
  grads: Float32Array[];
  weightsAfter: Float32Array[];
  /** BatchNorm moving mean/variance after the step. */
  statsAfter: Float32Array[];
}


function maxAbs(v: Float32Array): number {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}

function expectClose(got: Float32Array[], ref: Float32Array[], names: string[], what: string): void {
  const globalMax = Math.max(...ref.map(maxAbs));
  got.forEach((g, i) => {
    const r = ref[i];
    let diff = 0;
    for (let j = 0; j < r.length; j++) diff = Math.max(diff, Math.abs(g[j] - r[j]));
    const scale = Math.max(maxAbs(r), 1e-2 * globalMax);
    expect(diff / scale, `${what} of ${names[i]}`).toBeLessThan(5e-4);
  });
}


/** One training step from the fixture's initial weights: forward, backward, SGD update. */
function trainingStep(f: Fixture): StepResult {
  f.model.setWeights(f.initial.map((v, i) => tf.tensor(v, f.model.getWeights()[i].shape)));
  const x = tf.tensor(f.x, f.xShape);
  const y = tf.tensor(f.y, f.yShape);
  const vars = f.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => bceLoss(f.model, x, y), vars);
  const result = {
    loss: value.dataSync()[0],
    grads: vars.map((v) => grads[v.name].dataSync().slice() as Float32Array),
    weightsAfter: [] as Float32Array[],
    statsAfter: f.model.nonTrainableWeights.map((w) => w.read().dataSync().slice() as Float32Array),
  };
  tf.train.sgd(0.1).applyGradients(grads);
  result.weightsAfter = f.model.trainableWeights.map((w) => w.read().dataSync().slice() as Float32Array);
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return result;
}

describe('one training step on wasm (project kernels) equals the cpu backend (stock tfjs)', () => {
  const fixtures: Fixture[] = [];
  const reference = new Map<string, StepResult>();

  beforeAll(async () => {
    // The reference runs on cpu BEFORE the wasm kernels and gradients are registered (the gradient registry
    // and the engine patch are process-global), so it is stock tfjs end to end.
    await tf.setBackend('cpu');
    fixtures.push(makeFixture('CBR', () => tinyCbr(), 1, 3));
    fixtures.push(makeFixture('DenseNet block', () => tinyDenseNet(), 2, 3));
    fixtures.push(makeFixture('ResNet bottleneck', () => tinyResNetBottleneck(), 3, 3));
    for (const f of fixtures) reference.set(f.name, trainingStep(f));
    const info = await initBackend({ backend: 'wasm' });
    expect(info.backend).toBe('wasm');
  });

  it.each(['CBR', 'DenseNet block', 'ResNet bottleneck'])('%s', (name) => {
    const f = fixtures.find((g) => g.name === name)!;
    const ref = reference.get(name)!;
    const got = trainingStep(f);
    expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref.loss)));
    // float32 summation order differs between backends and cancellation in the BatchNorm mean/variance terms
    // amplifies it (see the wasm-training notes). Variables whose true gradient is ~0 (a conv bias feeding
    // BatchNorm, the gamma of a BN whose output barely matters) would make a purely per-variable relative
    // error meaningless, so each variable's scale is floored at 1 % of the largest value in the model.
    const names = f.model.trainableWeights.map((w) => w.name);
    expectClose(got.grads, ref.grads, names, 'grad');
    expectClose(got.weightsAfter, ref.weightsAfter, names, 'updated weight');
    const statNames = f.model.nonTrainableWeights.map((w) => w.name);
    expect(statNames.length).toBeGreaterThan(0);
    expectClose(got.statsAfter, ref.statsAfter, statNames, 'moving statistic');
  });
});
