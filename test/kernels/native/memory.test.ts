/**
 * Memory on native: buffers are recycled only when nobody outside the backend can see them (the buffer-reuse
 * hazard of the prototype), the fused Adam writes in place only storage it owns, and a training loop keeps
 * tf.memory().numTensors and the backend's buffer count flat.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { NativeBackend } from '../../../lib/kernels/native/backend';
import { TorchAdam } from '../../../lib/train/adam';
import { randomTensor, randomValues } from '../../backend/helpers';
import { bceLoss, tinyDenseNet } from '../../backend/models';
import { describeNative, useNative } from './helpers';

const SHAPE = [48, 64];

function backend(): NativeBackend {
  return tf.backend() as unknown as NativeBackend;
}

/** Disposes `t`, then churns through outputs of the same size, which is when a recycled buffer gets rewritten. */
function disposeAndChurn(t: tf.Tensor): void {
  t.dispose();
  for (let i = 0; i < 8; i++) tf.tidy(() => tf.relu(randomTensor(SHAPE, 100 + i)).dataSync());
  for (let i = 0; i < 8; i++) tf.dispose(tf.neg(randomTensor(SHAPE, 200 + i)));
}

describeNative('native buffer reuse and memory', () => {
  beforeAll(async () => {
    await useNative();
  });

  it('recycles the storage of disposed outputs nobody has seen (so the hazard tests below can fail)', () => {
    const a = tf.neg(randomTensor(SHAPE, 1));
    const storage = backend().f32(a);
    a.dispose();
    const b = tf.neg(randomTensor(SHAPE, 2));
    expect(backend().f32(b)).toBe(storage);
    b.dispose();
  });

  it('never overwrites an array handed out by dataSync(), data(), array() or a view of it', async () => {
    const a = tf.relu(randomTensor(SHAPE, 3));
    const viaDataSync = a.dataSync() as Float32Array;
    const expected = Float32Array.from(viaDataSync);
    disposeAndChurn(a);
    expect(viaDataSync).toEqual(expected);

    const b = tf.relu(randomTensor(SHAPE, 4));
    const viaData = (await b.data()) as Float32Array;
    const expectedB = Float32Array.from(viaData);
    disposeAndChurn(b);
    expect(viaData).toEqual(expectedB);

    // A contiguous slice is a view of its input's buffer (cpu kernel): it must outlive the input's disposal.
    const c = tf.relu(randomTensor(SHAPE, 5));
    const view = tf.slice(c, [0, 0], [24, 64]);
    const expectedView = Float32Array.from(view.dataSync() as Float32Array);
    c.dispose();
    disposeAndChurn(tf.neg(randomTensor(SHAPE, 6)));
    expect(view.dataSync()).toEqual(expectedView);
    view.dispose();
  });

  it('never reuses or writes an array the caller passed to tf.tensor(), nor weights read by dataSync(), in Adam', () => {
    const initial = randomValues(SHAPE[0] * SHAPE[1], 7);
    const callerArray = Float32Array.from(initial);
    const p = tf.variable(tf.tensor(callerArray, SHAPE));
    const adam = new TorchAdam([p], { learningRate: 0.1 });
    const grad = randomTensor(SHAPE, 8);
    adam.apply([grad]);
    expect(callerArray).toEqual(initial); // the variable's first storage was the caller's array
    const seen = p.dataSync() as Float32Array;
    const seenCopy = Float32Array.from(seen);
    adam.apply([grad]);
    expect(seen).toEqual(seenCopy); // exposed storage is copied before the in-place update
    expect(p.dataSync()).not.toEqual(seenCopy);
    adam.dispose();
    tf.dispose([p, grad]);
  });

  it('fused Adam equals torch.optim.Adam (golden fixture) and is bit-identical to TorchAdam on the cpu backend', async () => {
    const golden = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'train-torch-adam.json'), 'utf8')) as {
      cases: Array<{ lr: number; beta1: number; beta2: number; eps: number; weight_decay: number; initial: number[]; grads: number[][]; after: number[][] }>;
    };
    for (const c of golden.cases) {
      const run = (): number[][] => {
        // Each parameter repeated to a native-sized tensor, so the in-place path runs on pooled storage.
        const reps = 600;
        const tile = (v: number[]): tf.Tensor => tf.tile(tf.tensor1d(v), [reps]);
        const p = tf.variable(tile(c.initial));
        const adam = new TorchAdam([p], { learningRate: c.lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.eps, weightDecay: c.weight_decay });
        const after = c.grads.map((g) => {
          const grad = tile(g);
          adam.apply([grad]);
          grad.dispose();
          return Array.from(p.dataSync());
        });
        adam.dispose();
        p.dispose();
        return after;
      };
      const native = run();
      await tf.setBackend('cpu');
      const cpu = run();
      await tf.setBackend('native');
      expect(native).toEqual(cpu);
      native.forEach((values, step) => values.forEach((v, i) => expect(v).toBeCloseTo(c.after[step]![i % c.initial.length]!, 6)));
    }
  });

  it('keeps tf.memory().numTensors and the backend buffer count flat over a 12-step training loop', () => {
    const model = tinyDenseNet(23, 2);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const adam = new TorchAdam(vars, { learningRate: 1e-3 });
    const x = randomTensor([4, 23, 23, 3], 9);
    const y = tf.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]);
    const counts: Array<[number, number]> = [];
    for (let step = 0; step < 12; step++) {
      const { value, grads } = tf.variableGrads(() => bceLoss(model, x, y), vars);
      adam.apply(vars.map((v) => grads[v.name]));
      tf.dispose([value, ...Object.values(grads)]);
      counts.push([tf.memory().numTensors, backend().numDataIds()]);
    }
    expect(new Set(counts.map((c) => c.join('/'))).size).toBe(1);
    expect(backend().pool.stats().reused).toBeGreaterThan(0);
    // Recycling must not cost memory: what the pool keeps plus what is live stays near the step's live peak.
    const { liveBytes, peakLiveBytes, pooledBytes } = backend().memoryStats();
    expect(liveBytes + pooledBytes).toBeLessThan(1.3 * peakLiveBytes);
    adam.dispose();
    tf.dispose([x, y]);
  });
});
