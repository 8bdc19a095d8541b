/**
 * Convolution cases shared by the wasm and native kernel tests: kernels 1/3/5/7, strides 1/2/3, 'same' /
 * 'valid' / explicit padding, batch 1 and > 1, channel counts that are not multiples of 4, odd and even spatial
 * sizes, non-square inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { randomTensor } from './helpers';

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvCase {
  x: [number, number, number, number];
  k: number;
  co: number;
  s: number;
  pad: Pad;
}

export const CONV_CASES: ConvCase[] = [
  { x: [2, 9, 7, 5], k: 1, co: 6, s: 1, pad: 'same' },
  { x: [3, 7, 9, 10], k: 1, co: 3, s: 1, pad: 'valid' }, // CO < CI: the dyᵀ·x GEMM branch of the wasm dW
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

export function convLabel(c: ConvCase): string {
  return `x=${c.x.join('x')} k=${c.k} co=${c.co} s=${c.s} pad=${JSON.stringify(c.pad)}`;
}

/** The case's seeded input and filter, and the conv as a function of both. */
export function convInputs(c: ConvCase, seed: number): { x: tf.Tensor4D; w: tf.Tensor4D; conv: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor4D } {
  const x = randomTensor(c.x, seed) as tf.Tensor4D;
  const w = randomTensor([c.k, c.k, c.x[3], c.co], seed + 1) as tf.Tensor4D;
  return { x, w, conv: (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.pad as 'same') };
}
