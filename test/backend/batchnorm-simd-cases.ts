/**
 * Shared checks of the wasm SIMD BatchNorm kernels against their JS reference loops, on the active wasm
 * backend (used by batchnorm-simd.test.ts with threads: 1 and batchnorm-simd-threads.test.ts with threads: 2).
 */
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  AFFINE2,
  BATCH_NORM_FORWARD,
  CHANNEL_GRAD_SUMS,
  CHANNEL_MOMENTS,
} from '../../lib/kernels/wasm/batchnorm-kernels';
import { configureBatchNormSimd } from '../../lib/kernels/wasm/simd/module';
import { randomTensor, relMaxError } from './helpers';

/** Odd channel counts (scalar tails, 4- and 8-wide chunks) and row counts not multiple of 4 or 16. */
export const SHAPES: number[][] = [
  [2, 5, 7, 1],
  [1, 3, 3, 3],
  [2, 5, 3, 5],
  [3, 7, 5, 33],
  [2, 9, 1, 128],
  [1, 1, 1, 12],
  [4, 6, 6, 13],
];

export interface KernelOutputs {
  mean: Float32Array;
  variance: Float32Array;
  sumDy: Float32Array;
  dot: Float32Array;
  affine: Float32Array;
  forward: Float32Array;
}

export interface KernelInputs {
  x: tf.Tensor;
  dy: tf.Tensor;
  mu: tf.Tensor;
  a: tf.Tensor;
  b: tf.Tensor;
  c: tf.Tensor;
  mean: tf.Tensor;
  variance: tf.Tensor;
  gamma: tf.Tensor;
  beta: tf.Tensor;
}

export function makeInputs(shape: number[], seed: number): KernelInputs {
  const ch = shape[shape.length - 1];
  return tf.tidy(() => {
    // Channel means far from 0 (up to ±200) exercise the shifted variance.
    const offsets = tf.mul(randomTensor([ch], seed + 1), 100);
    const x = tf.add(tf.mul(randomTensor(shape, seed), 3), offsets);
    return {
      x,
      dy: randomTensor(shape, seed + 2),
      mu: tf.add(offsets, randomTensor([ch], seed + 3)),
      a: randomTensor([ch], seed + 4),
      b: randomTensor([ch], seed + 5),
      c: tf.mul(randomTensor([ch], seed + 6), 50),
      mean: tf.add(offsets, randomTensor([ch], seed + 7)),
      variance: tf.abs(tf.mul(randomTensor([ch], seed + 8), 9)),
      gamma: randomTensor([ch], seed + 9),
      beta: randomTensor([ch], seed + 10),
    };
  });
}

export function runKernels(i: KernelInputs, epsilon = 1e-3): KernelOutputs {
  const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> = {}): Float32Array[] => {
    const out = tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(out) ? out : [out];
    const data = list.map((t) => t.dataSync() as Float32Array);
    tf.dispose(list);
    return data;
  };
  const [mean, variance] = run(CHANNEL_MOMENTS, { x: i.x });
  const [sumDy, dot] = run(CHANNEL_GRAD_SUMS, { dy: i.dy, x: i.x, mean: i.mu });
  const [affine] = run(AFFINE2, { dy: i.dy, x: i.x, a: i.a, b: i.b, c: i.c });
  const [forward] = run(
    BATCH_NORM_FORWARD,
    { x: i.x, mean: i.mean, variance: i.variance, gamma: i.gamma, beta: i.beta },
    { epsilon },
  );
  return { mean, variance, sumDy, dot, affine, forward };
}

/** The forward in float64 from the inputs (the cpu backend's formula). */
export function forwardReference(i: KernelInputs, epsilon = 1e-3): Float64Array {
  const x = i.x.dataSync();
  const [m, v, g, b] = [i.mean, i.variance, i.gamma, i.beta].map((t) => t.dataSync());
  const ch = m.length;
  const out = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) {
    const k = j % ch;
    out[j] = b[k] + ((x[j] - m[k]) * g[k]) / Math.sqrt(v[k] + epsilon);
  }
  return out;
}

/**
 * SIMD (current configuration) vs the JS loops (module disabled): the three reductions/affine must be
 * bit-identical, the forward within 1e-6 of the float64 reference (SIMD) / stock FusedBatchNorm (JS).
 */
export function compareSimdWithJs(shape: number[], seed: number): void {
  const inputs = makeInputs(shape, seed);
  configureBatchNormSimd({ enabled: true });
  const simd = runKernels(inputs);
  configureBatchNormSimd({ enabled: false });
  const js = runKernels(inputs);
  configureBatchNormSimd({ enabled: true });
  const ref = forwardReference(inputs);
  const tag = `shape ${shape.join('x')}`;
  for (const key of ['mean', 'variance', 'sumDy', 'dot', 'affine'] as const) {
    expect(relMaxError(simd[key], js[key]), `${tag} ${key}`).toBeLessThan(1e-6);
    expect(Array.from(simd[key]), `${tag} ${key} bit-identical`).toEqual(Array.from(js[key]));
  }
  expect(relMaxError(simd.forward, ref), `${tag} forward vs f64`).toBeLessThan(1e-6);
  expect(relMaxError(js.forward, ref), `${tag} stock forward vs f64`).toBeLessThan(1e-5);
  tf.dispose(Object.values(inputs));
}
