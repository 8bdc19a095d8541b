/**
 * Thin typed wrappers over kernels the wasm backend already has, called directly through
 * `tf.getKernel(name, 'wasm').kernelFunc` so the training kernels built from them run inside one engine
 * kernel call: no tape records, no tensors are tracked, and every intermediate is freed with
 * `backend.disposeData` as soon as it is consumed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs-core';

type Pad2D = [[number, number], [number, number], [number, number], [number, number]];

function kernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (config == null) {
    // Only reachable if the wasm backend package changed its kernel set; the version guard should catch it first.
    throw new Error(`wasm kernel '${name}' is not registered; the wasm training kernels need it`);
  }
  return config.kernelFunc;
}

export class WasmPrimitives {
  constructor(private readonly backend: KernelBackend) {}

  private run(
    name: string,
    inputs: Record<string, TensorInfo> | TensorInfo[],
    attrs: Record<string, unknown> = {},
  ): TensorInfo {
    const kernelInputs = inputs as unknown as tf.NamedTensorInfoMap;
    return kernel(name)({ inputs: kernelInputs, attrs: attrs as tf.NamedAttrMap, backend: this.backend }) as TensorInfo;
  }

  /** Frees a temporary. Reshape outputs share their input's buffer by reference count, so this is always safe. */
  free(...infos: TensorInfo[]): void {
    for (const info of infos) this.backend.disposeData(info.dataId);
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /**
   * Swaps the first and last axes of x viewed as [A, M, C]: out[c, m, a] = x[a, m, c], returned with
   * `outShape`. Done in JS on the wasm heap with 32x32 blocking: the stock wasm Transpose walks the output
   * linearly and strides through the input, which for the [N, CI] -> [CI, N] case of a 1x1 conv's weight
   * gradient measured 0.24 GB/s, slower than the GEMM that follows it; the blocked loop is 2-5x faster.
   */
  swapOuterInner(x: TensorInfo, a: number, m: number, c: number, outShape: number[]): TensorInfo {
    const backend = this.backend as KernelBackend & {
      makeOutput(shape: number[], dtype: string): TensorInfo;
      typedArrayFromHeap(t: TensorInfo): Float32Array;
    };
    const out = backend.makeOutput(outShape, 'float32');
    // Views are taken after makeOutput: an allocation may grow (and so detach) the heap.
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    const block = 32;
    const srcStrideA = m * c;
    const dstStrideC = m * a;
    for (let mi = 0; mi < m; mi++) {
      const srcM = mi * c;
      const dstM = mi * a;
      for (let a0 = 0; a0 < a; a0 += block) {
        const a1 = Math.min(a0 + block, a);
        for (let c0 = 0; c0 < c; c0 += block) {
          const c1 = Math.min(c0 + block, c);
          for (let ai = a0; ai < a1; ai++) {
            const s0 = ai * srcStrideA + srcM;
            const d0 = dstM + ai;
            for (let ci = c0; ci < c1; ci++) dst[ci * dstStrideC + d0] = src[s0 + ci];
          }
        }
      }
    }
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  pad(x: TensorInfo, paddings: number[][]): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    return this.run('Reverse', { x }, { dims });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  /** a[M,K] x b[K,N] without transposes: that is the only BatchMatMul form XNNPACK runs as a fast GEMM. */
  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  }

  /** XNNPACK convolution, NHWC, filter [KH,KW,CI,CO], explicit non-negative padding [top,bottom,left,right]. */
  conv2d(
    x: TensorInfo,
    filter: TensorInfo,
    strides: [number, number],
    dilations: [number, number],
    pad: [number, number, number, number],
  ): TensorInfo {
    const [top, bottom, left, right] = pad;
    const explicit: Pad2D = [[0, 0], [top, bottom], [left, right], [0, 0]];
    return this.run(
      'Conv2D',
      { x, filter },
      { strides, dilations, pad: explicit, dataFormat: 'NHWC', dimRoundingMode: undefined },
    );
  }

  /**
   * Inserts s-1 zero rows after every row (and column) of an NHWC tensor: [B,H,W,C] -> [B,H*sh,W*sw,C].
   * Built as reshape -> PadV2 -> reshape, one memory pass. The trailing zeros after the last row are
   * harmless for the callers, which fold them into their padding or crop them.
   */
  zeroDilate(x: TensorInfo, sh: number, sw: number): TensorInfo {
    const [b, h, w, c] = x.shape;
    if (sh === 1 && sw === 1) return this.reshape(x, x.shape);
    const six = this.reshape(x, [b, h, 1, w, 1, c]);
    const padded = this.pad(six, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    this.free(six);
    const out = this.reshape(padded, [b, h * sh, w * sw, c]);
    this.free(padded);
    return out;
  }
}
