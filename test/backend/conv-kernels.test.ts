import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { conv2DBackpropFilterWasm } from '../../lib/kernels/wasm/conv2d-backprop-filter';
import { conv2DBackpropInputWasm } from '../../lib/kernels/wasm/conv2d-backprop-input';
import { randomValues, relMaxError } from './helpers';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  x: [number, number, number, number];
  k: number;
  co: number;
  s: number;
  pad: Pad;
}

// Kernels 1/3/5/7, strides 1/2 (and 3), 'same' / 'valid' / explicit padding, batch > 1, channel counts that
// are not multiples of 4, odd and even spatial sizes, and non-square inputs.
const CASES: Case[] = [
  { x: [2, 9, 7, 5], k: 1, co: 6, s: 1, pad: 'same' },
  { x: [3, 7, 9, 10], k: 1, co: 3, s: 1, pad: 'valid' }, // CO < CI: the dyᵀ·x GEMM branch
  { x: [3, 9, 8, 6], k: 1, co: 3, s: 2, pad: 'valid' },
  { x: [2, 7, 7, 7], k: 1, co: 5, s: 2, pad: 'same' },
  { x: [2, 9, 7, 5], k: 3, co: 6, s: 1, pad: 'same' },
  { x: [2, 9, 7, 5], k: 3, co: 6, s: 2, pad: 'same' },
  { x: [2, 10, 9, 3], k: 3, co: 2, s: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { x: [2, 11, 11, 3], k: 3, co: 7, s: 1, pad: 'valid' },
  { x: [2, 8, 8, 5], k: 3, co: 3, s: 2, pad: 'valid' },
  { x: [2, 10, 9, 3], k: 5, co: 2, s: 1, pad: 'valid' },
  { x: [2, 11, 9, 6], k: 5, co: 5, s: 2, pad: 'same' },
  { x: [2, 13, 13, 3], k: 7, co: 5, s: 2, pad: [[0, 0], [3, 3], [3, 3], [0, 0]] },
  { x: [2, 15, 12, 3], k: 7, co: 2, s: 1, pad: 'valid' },
  { x: [2, 12, 11, 3], k: 7, co: 4, s: 2, pad: 'same' },
  { x: [2, 7, 7, 3], k: 3, co: 2, s: 3, pad: 'same' },
  { x: [1, 9, 9, 2], k: 3, co: 3, s: 2, pad: 1 },
];

const TOLERANCE = 1e-5;

function label(c: Case): string {
  return `x=${c.x.join('x')} k=${c.k} co=${c.co} s=${c.s} pad=${JSON.stringify(c.pad)}`;
}

async function grads(c: Case, backend: string, seed: number): Promise<{ dx: Float32Array; dw: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(randomValues(c.x.reduce((a, b) => a * b), seed), c.x);
    const w = tf.tensor4d(randomValues(c.k * c.k * c.x[3] * c.co, seed + 1), [c.k, c.k, c.x[3], c.co]);
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, c.s, c.pad as 'same');
    const yShape = conv(x, w).shape;
    const dy = tf.tensor4d(randomValues(yShape.reduce((a, b) => a * b), seed + 2), yShape);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => conv(a as tf.Tensor4D, b as tf.Tensor4D))([x, w], dy);
    return { dx: gx.dataSync() as Float32Array, dw: gw.dataSync() as Float32Array };
  });
}

describe('wasm conv backprop kernels vs the cpu backend', () => {
  beforeAll(async () => {
    const info = await initBackend({ backend: 'wasm' });
    expect(info.trainingKernels).toBe(true);
  });

  it('registers Conv2DBackpropFilter and replaces the stock Conv2DBackpropInput', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(conv2DBackpropFilterWasm);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(conv2DBackpropInputWasm);
  });

  it.each(CASES.map((c, i) => [label(c), c, i] as const))('%s', async (_name, c, i) => {
    const ref = await grads(c, 'cpu', 100 * i);
    const got = await grads(c, 'wasm', 100 * i);
    expect(relMaxError(got.dx, ref.dx)).toBeLessThan(TOLERANCE);
    expect(relMaxError(got.dw, ref.dw)).toBeLessThan(TOLERANCE);
  });

  it('frees every intermediate: backend buffers and engine tensors unchanged after the kernels run', async () => {
    await tf.setBackend('wasm');
    const c = CASES[4];
    await grads(c, 'wasm', 7); // warm up
    const buffersBefore = tf.engine().backend.numDataIds();
    const before = tf.memory();
    await grads(c, 'wasm', 8);
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});
