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
 *   RethinkBatchNormForward(x, mean, variance, gamma, beta; epsilon)
 *                                       -> β + (x-μ)·γ/sqrt(σ²+ε)  (the training forward)
 * They are internal kernels of the BatchNormalization training op (gradients/batchnorm-training.ts) and
 * have no gradients of their own.
 *
 * Each runs in the wasm SIMD module of ../wasm-simd (C, f64x2 accumulators, in place on the tfjs heap) when
 * it can be instantiated on the backend's memory, else in the JS loops below (RethinkBatchNormForward then
 * falls back to the stock FusedBatchNorm kernel). The SIMD reductions and affine pass do the same float64
 * operations in the same order as the JS loops, so both paths give bit-identical results.
 */
import { getKernel } from '@tensorflow/tfjs-core';
import type { DataId, KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { batchNormSimd, type BatchNormSimd } from './simd/module';

export const CHANNEL_MOMENTS = 'RethinkChannelMoments';
export const CHANNEL_GRAD_SUMS = 'RethinkChannelGradSums';
export const AFFINE2 = 'RethinkAffine2';
export const BATCH_NORM_FORWARD = 'RethinkBatchNormForward';

interface HeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  getMemoryOffset(dataId: DataId): number;
}

function heap(backend: KernelBackend): HeapBackend {
  return backend as unknown as HeapBackend;
}

function channels(x: TensorInfo): number {
  return x.shape[x.shape.length - 1];
}

function sizeOf(t: TensorInfo): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

/** The SIMD module when it is loaded and the tensor is non-empty (the JS loops handle the empty case). */
function simdFor(backend: KernelBackend, x: TensorInfo): BatchNormSimd | null {
  return sizeOf(x) > 0 && channels(x) > 0 ? batchNormSimd(backend) : null;
}

function ptr(b: HeapBackend, t: TensorInfo): number {
  return b.getMemoryOffset(t.dataId);
}

/** Runs `f` with `bytes` of scratch malloc'ed on the tfjs heap (8-byte aligned). */
function withScratch(simd: BatchNormSimd, bytes: number, f: (p: number) => void): void {
  const p = simd.heap._malloc(bytes) >>> 0;
  if (p === 0) throw new Error(`wasm heap: cannot allocate ${bytes} bytes of BatchNorm scratch`);
  try {
    f(p);
  } finally {
    simd.heap._free(p);
  }
}

function channelMoments(args: { inputs: { x?: TensorInfo }; backend: KernelBackend }): TensorInfo[] {
  const x = args.inputs.x as TensorInfo;
  const b = heap(args.backend);
  const c = channels(x);
  const meanOut = b.makeOutput([c], 'float32');
  const varOut = b.makeOutput([c], 'float32');
  const simd = simdFor(args.backend, x);
  if (simd != null) {
    withScratch(simd, 24 * c, (acc) =>
      simd.exports.bn_moments(ptr(b, x), sizeOf(x) / c, c, acc, ptr(b, meanOut), ptr(b, varOut)),
    );
    return [meanOut, varOut];
  }
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
  const simd = simdFor(args.backend, x);
  if (simd != null) {
    withScratch(simd, 16 * c, (acc) =>
      simd.exports.bn_grad_sums(ptr(b, dy), ptr(b, x), ptr(b, mean), sizeOf(x) / c, c, acc, ptr(b, sumOut), ptr(b, dotOut)),
    );
    return [sumOut, dotOut];
  }
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
  const simd = simdFor(args.backend, x);
  if (simd != null) {
    const p = (t: TensorInfo): number => ptr(be, t);
    simd.exports.bn_affine2(p(dy), p(x), p(a), p(bIn), p(cIn), sizeOf(x) / ch, ch, p(out));
    return out;
  }
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

function batchNormForward(args: {
  inputs: { x?: TensorInfo; mean?: TensorInfo; variance?: TensorInfo; gamma?: TensorInfo; beta?: TensorInfo };
  attrs: { epsilon?: number };
  backend: KernelBackend;
}): TensorInfo {
  const { x, mean, variance, gamma, beta } = args.inputs as Record<'x' | 'mean' | 'variance' | 'gamma' | 'beta', TensorInfo>;
  const epsilon = args.attrs.epsilon ?? 1e-3;
  const simd = simdFor(args.backend, x);
  if (simd == null) {
    const stock = getKernel('FusedBatchNorm', 'wasm');
    if (stock == null) throw new Error('RethinkBatchNormForward: no wasm FusedBatchNorm kernel to fall back to');
    return stock.kernelFunc({
      inputs: { x, mean, variance, offset: beta, scale: gamma },
      attrs: { varianceEpsilon: epsilon } as unknown as NamedAttrMap,
      backend: args.backend,
    }) as TensorInfo;
  }
  const be = heap(args.backend);
  const ch = channels(x);
  const out = be.makeOutput(x.shape, 'float32');
  const p = (t: TensorInfo): number => ptr(be, t);
  simd.exports.bn_normalize(p(x), p(mean), p(variance), p(gamma), p(beta), epsilon, sizeOf(x) / ch, ch, p(out));
  return out;
}

export const batchNormWasmKernels: KernelConfig[] = [
  { kernelName: CHANNEL_MOMENTS, backendName: 'wasm', kernelFunc: channelMoments as unknown as KernelFunc },
  { kernelName: CHANNEL_GRAD_SUMS, backendName: 'wasm', kernelFunc: channelGradSums as unknown as KernelFunc },
  { kernelName: AFFINE2, backendName: 'wasm', kernelFunc: affine2 as unknown as KernelFunc },
  { kernelName: BATCH_NORM_FORWARD, backendName: 'wasm', kernelFunc: batchNormForward as unknown as KernelFunc },
];
