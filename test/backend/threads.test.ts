import { describe, expect, it } from 'vitest';
import * as os from 'os';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { randomTensor, relMaxError } from './helpers';

describe('threaded wasm build in Node (threads: 2)', () => {
  it('starts with 2 XNNPACK threads, restores the patched globals, and trains a conv correctly', async () => {
    const createObjectURL = URL.createObjectURL;
    const cpus = os.cpus;
    const info = await initBackend({ backend: 'wasm', threads: 2 });
    expect(info).toMatchObject({ backend: 'wasm', threads: 2, trainingKernels: true });
    expect(URL.createObjectURL).toBe(createObjectURL);
    expect(require('os').cpus).toBe(cpus);

    const x = randomTensor([2, 9, 9, 5], 1) as tf.Tensor4D;
    const w = randomTensor([3, 3, 5, 6], 2) as tf.Tensor4D;
    const dy = randomTensor([2, 5, 5, 6], 3) as tf.Tensor4D;
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
    const wasmGrads = tf.grads(f)([x, w], dy).map((g) => g.dataSync());
    await tf.setBackend('cpu');
    const cpuGrads = tf.grads(f)([x, w], dy).map((g) => g.dataSync());
    wasmGrads.forEach((g, i) => expect(relMaxError(g, cpuGrads[i])).toBeLessThan(1e-5));
  });

  it('refuses to change the thread count within a process', async () => {
    await expect(initBackend({ backend: 'wasm', threads: 1 })).rejects.toThrow(/thread count cannot change/);
  });
});
