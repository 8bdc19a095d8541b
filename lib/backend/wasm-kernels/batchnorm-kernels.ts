/**
 * Single-pass BatchNorm helpers for the wasm backend, run in JS directly on the wasm heap.
 *
 * The BatchNorm statistics are reductions over every axis but the channel axis. The stock wasm Sum/Mean
 * first TRANSPOSE the NHWC tensor so the reduced axes are innermost (a full copy at the slow wasm transpose
 * rate), then reduce; the backward pass needs two such sums plus elementwise passes. Here each is one read
 * of the data with float64 accumulators (more accurate than float32 sums):
 *   RethinkChannelMoments(x)            -> [mean, variance]   (biased variance, as tf.moments)
 *   RethinkChannelGradSums(dy, x, mean) -> [Σdy, Σdy·(x-mean)]
 *   RethinkAffine2(dy, x, a, b, c)      -> a·dy + b·x + c      (a, b, c per channel)
 * They are internal kernels of the BatchNormalization training op (gradients/batchnorm-training.ts) and
 * have no gradients of their own.
 */
import type { KernelBackend, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

export const CHANNEL_MOMENTS = 'RethinkChannelMoments';
export const CHANNEL_GRAD_SUMS = 'RethinkChannelGradSums';
export const AFFINE2 = 'RethinkAffine2';

interface HeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

function heap(backend: KernelBackend): HeapBackend {
  return backend as unknown as HeapBackend;
}

function channels(x: TensorInfo): number {
  return x.shape[x.shape.length - 1];
}

function channelMoments(args: { inputs: { x?: TensorInfo }; backend: KernelBackend }): TensorInfo[] {
  const x = args.inputs.x as TensorInfo;
  const b = heap(args.backend);
  const c = channels(x);
  const meanOut = b.makeOutput([c], 'float32');
  const varOut = b.makeOutput([c], 'float32');
  const xs = b.typedArrayFromHeap(x);
  const n = xs.length / c;
  // One pass over data shifted by each channel's first value (the "shifted data" variance algorithm): with
  // float64 sums this avoids the cancellation of E[x²]-μ² for channels whose mean is far from 0.
  const shift = new Float64Array(c);
  for (let k = 0; k < c; k++) shift[k] = xs[k];
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let i = 0; i < xs.length; i += c) {
    for (let k = 0; k < c; k++) {
      const d = xs[i + k] - shift[k];
      sum[k] += d;
      sq[k] += d * d;
    }
  }
  const m = b.typedArrayFromHeap(meanOut);
  const v = b.typedArrayFromHeap(varOut);
  for (let k = 0; k < c; k++) {
    const meanShifted = sum[k] / n;
    m[k] = shift[k] + meanShifted;
    v[k] = Math.max(0, sq[k] / n - meanShifted * meanShifted);
  }
  return [meanOut, varOut];
}

function channelGradSums(args: {
  inputs: { dy?: TensorInfo; x?: TensorInfo; mean?: TensorInfo };
  backend: KernelBackend;
}): TensorInfo[] {
  const { dy, x, mean } = args.inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo };
  const b = heap(args.backend);
  const c = channels(x);
  const sumOut = b.makeOutput([c], 'float32');
  const dotOut = b.makeOutput([c], 'float32');
  const dys = b.typedArrayFromHeap(dy);
  const xs = b.typedArrayFromHeap(x);
  const mu = b.typedArrayFromHeap(mean);
  const sum = new Float64Array(c);
  const dot = new Float64Array(c);
  for (let i = 0; i < xs.length; i += c) {
    for (let k = 0; k < c; k++) {
      const g = dys[i + k];
      sum[k] += g;
      dot[k] += g * (xs[i + k] - mu[k]);
    }
  }
  b.typedArrayFromHeap(sumOut).set(sum);
  b.typedArrayFromHeap(dotOut).set(dot);
  return [sumOut, dotOut];
}

function affine2(args: {
  inputs: { dy?: TensorInfo; x?: TensorInfo; a?: TensorInfo; b?: TensorInfo; c?: TensorInfo };
  backend: KernelBackend;
}): TensorInfo {
  const { dy, x, a, b: bIn, c: cIn } = args.inputs as Record<'dy' | 'x' | 'a' | 'b' | 'c', TensorInfo>;
  const be = heap(args.backend);
  const ch = channels(x);
  const out = be.makeOutput(x.shape, 'float32');
  const dys = be.typedArrayFromHeap(dy);
  const xs = be.typedArrayFromHeap(x);
  const av = be.typedArrayFromHeap(a);
  const bv = be.typedArrayFromHeap(bIn);
  const cv = be.typedArrayFromHeap(cIn);
  const o = be.typedArrayFromHeap(out);
  for (let i = 0; i < xs.length; i += ch) {
    for (let k = 0; k < ch; k++) o[i + k] = av[k] * dys[i + k] + bv[k] * xs[i + k] + cv[k];
  }
  return out;
}

export const batchNormWasmKernels: KernelConfig[] = [
  { kernelName: CHANNEL_MOMENTS, backendName: 'wasm', kernelFunc: channelMoments as unknown as KernelFunc },
  { kernelName: CHANNEL_GRAD_SUMS, backendName: 'wasm', kernelFunc: channelGradSums as unknown as KernelFunc },
  { kernelName: AFFINE2, backendName: 'wasm', kernelFunc: affine2 as unknown as KernelFunc },
];
