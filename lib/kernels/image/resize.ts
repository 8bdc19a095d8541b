import type { ImagePipelineOptions } from '../../data/types';
import type { GrayImage } from '../../data/image/decode';
import { align16, gray8Kernels, HPLAN_GROUP_BYTES, kernelMemory, PAD, type Gray8Kernels } from './gray8-wasm';

/**
 * PIL's `Image.resize(size, Image.BILINEAR)` for 8-bit gray images, which is what torchvision's Resize does to
 * a PIL image: a separable triangle filter whose support grows with the downscale factor (so shrinking is
 * antialiased), horizontal pass first, each pass rounded to 8 bits, with PIL's 22-bit fixed-point weights.
 * Following Pillow's arithmetic step by step makes the output match it to the grey level.
 */

/** Pillow's PRECISION_BITS for 8-bit resampling: 32 - 8 bits of sample - 2 bits of headroom. */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
/**
 * Largest weight sum for which (HALF + 255 * sum) >> PRECISION_BITS is still <= 255, i.e. clip8 cannot clip.
 * Pillow's rounded bilinear weights sum to 2^22 within half a unit per tap, far below this.
 */
const NO_CLIP_SUM = (1 << PRECISION_BITS) + ((1 << (PRECISION_BITS - 1)) - 1) / 255;

/**
 * The weights of one axis (in -> out samples), computed once per size pair and reused (see planFor).
 * General form: `count[i]` taps of `weights` (stride `taps`) from input `start[i]`. When every output needs at
 * most three taps (any upscale, and downscales by up to 1.5x such as 256 -> 224) and the sums cannot clip,
 * `three` holds the same weights as three columns, zero-padded, with starts moved left at the far edge so
 * that all three taps are in range: the inner loops then run without branches or clipping.
 */
interface AxisPlan {
  taps: number;
  start: Int32Array;
  count: Int32Array;
  weights: Int32Array;
  three?: { start: Int32Array; w0: Int32Array; w1: Int32Array; w2: Int32Array };
  /** The `three` weights laid out for gray8-wasm.ts's vpass / hpass; null when that kernel cannot take them. */
  simdV?: Uint8Array | null;
  simdH?: { bytes: Uint8Array; groups: number } | null;
}

/** Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the bilinear (support 1) filter. */
function bilinearPlan(inSize: number, outSize: number): AxisPlan {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // bilinear support (1) times filterScale
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  const inv = 1 / filterScale;
  let threeOk = inSize >= 3;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // Pillow truncates toward zero with an (int) cast, then clamps.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * inv);
      const v = t < 1 ? 1 - t : 0;
      w[x] = v;
      sum += v;
    }
    let isum = 0;
    for (let x = 0; x < xmax; x++) {
      const k = sum !== 0 ? w[x]! / sum : w[x]!;
      // Bilinear weights are never negative: Pillow's (int)(0.5 + k * 2^22).
      const iw = Math.trunc(0.5 + k * (1 << PRECISION_BITS));
      weights[xx * taps + x] = iw;
      isum += iw;
    }
    start[xx] = xmin;
    count[xx] = xmax;
    if (xmax > 3 || isum > NO_CLIP_SUM) threeOk = false;
  }
  const plan: AxisPlan = { taps, start, count, weights };
  if (threeOk) {
    const s3 = new Int32Array(outSize);
    const w3 = [new Int32Array(outSize), new Int32Array(outSize), new Int32Array(outSize)] as const;
    for (let xx = 0; xx < outSize; xx++) {
      // Shift the window left when it would run past the end; the taps it then covers first get weight 0.
      const s = Math.min(start[xx]!, inSize - 3);
      const shift = start[xx]! - s;
      for (let i = 0; i < count[xx]!; i++) w3[i + shift]![xx] = weights[xx * taps + i]!;
      s3[xx] = s;
    }
    plan.three = { start: s3, w0: w3[0], w1: w3[1], w2: w3[2] };
  }
  return plan;
}

/** Plans by `${in}:${out}`: a data set of one image size resizes with one pair of plans. Bounded, for safety. */
const plans = new Map<string, AxisPlan>();
const MAX_PLANS = 64;

function planFor(inSize: number, outSize: number): AxisPlan {
  const key = `${inSize}:${outSize}`;
  let plan = plans.get(key);
  if (!plan) {
    if (plans.size >= MAX_PLANS) plans.clear();
    plan = bilinearPlan(inSize, outSize);
    plans.set(key, plan);
  }
  return plan;
}

/**
 * Pillow's clip8. Bilinear weights are non-negative and sum to 2^22 give or take rounding, so the sum is never
 * negative and exceeds 255 << 22 by at most that rounding; the guard keeps the Uint8Array store from wrapping.
 */
function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v > 255 ? 255 : v;
}

/** Rows per block of the horizontal pass: a block of input rows stays in L1 while every column is computed. */
const ROW_BLOCK = 16;

/**
 * Pillow's ImagingResampleHorizontal_8bpc into `out` (outWidth x height). Column by column within a block of
 * rows, so each column's weights stay in registers while the inner loop walks down the rows.
 */
function resizeHorizontal(src: Uint8Array, width: number, height: number, outWidth: number, out: Uint8Array): void {
  const plan = planFor(width, outWidth);
  const three = plan.three;
  if (three) {
    const { start, w0, w1, w2 } = three;
    for (let y0 = 0; y0 < height; y0 += ROW_BLOCK) {
      const y1 = Math.min(height, y0 + ROW_BLOCK);
      for (let xx = 0; xx < outWidth; xx++) {
        const a = w0[xx]!;
        const b = w1[xx]!;
        const c = w2[xx]!;
        let s = y0 * width + start[xx]!;
        let o = y0 * outWidth + xx;
        for (let y = y0; y < y1; y++, s += width, o += outWidth) out[o] = (HALF + src[s]! * a + src[s + 1]! * b + src[s + 2]! * c) >> PRECISION_BITS;
      }
    }
    return;
  }
  const { taps, start, count, weights } = plan;
  for (let y0 = 0; y0 < height; y0 += ROW_BLOCK) {
    const y1 = Math.min(height, y0 + ROW_BLOCK);
    for (let xx = 0; xx < outWidth; xx++) {
      const n = count[xx]!;
      const k = xx * taps;
      const s0 = start[xx]!;
      for (let y = y0; y < y1; y++) {
        const s = y * width + s0;
        let acc = HALF;
        for (let i = 0; i < n; i++) acc += src[s + i]! * weights[k + i]!;
        out[y * outWidth + xx] = clip8(acc);
      }
    }
  }
}

/** Pillow's ImagingResampleVertical_8bpc into `out` (width x outHeight): each output row is a weighted sum of input rows. */
function resizeVertical(src: Uint8Array, width: number, height: number, outHeight: number, out: Uint8Array): void {
  const plan = planFor(height, outHeight);
  const three = plan.three;
  if (three) {
    const { start, w0, w1, w2 } = three;
    for (let yy = 0; yy < outHeight; yy++) {
      const a = w0[yy]!;
      const b = w1[yy]!;
      const c = w2[yy]!;
      const r0 = start[yy]! * width;
      const r1 = r0 + width;
      const r2 = r1 + width;
      const o = yy * width;
      for (let x = 0; x < width; x++) out[o + x] = (HALF + src[r0 + x]! * a + src[r1 + x]! * b + src[r2 + x]! * c) >> PRECISION_BITS;
    }
    return;
  }
  const { taps, start, count, weights } = plan;
  const acc = new Int32Array(width);
  for (let yy = 0; yy < outHeight; yy++) {
    const n = count[yy]!;
    const k = yy * taps;
    const r0 = start[yy]! * width;
    const orow = yy * width;
    acc.fill(HALF);
    for (let i = 0; i < n; i++) {
      const wgt = weights[k + i]!;
      const row = r0 + i * width;
      for (let x = 0; x < width; x++) acc[x] += src[row + x]! * wgt;
    }
    for (let x = 0; x < width; x++) out[orow + x] = clip8(acc[x]!);
  }
}

/** The horizontal pass's output when a vertical pass follows: reused across calls (resizing is synchronous). */
let scratch = new Uint8Array(0);

/** vpass plan rows: i32 [start, w0, w1, w2] per output row (little-endian, as WebAssembly memory is). */
function simdVerticalPlan(plan: AxisPlan, width: number): Uint8Array | null {
  if (plan.simdV === undefined) {
    const three = plan.three;
    if (!three) plan.simdV = null;
    else {
      const n = three.start.length;
      const bytes = new Uint8Array(n * 16);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < n; i++) {
        view.setInt32(i * 16, three.start[i]!, true);
        view.setInt32(i * 16 + 4, three.w0[i]!, true);
        view.setInt32(i * 16 + 8, three.w1[i]!, true);
        view.setInt32(i * 16 + 12, three.w2[i]!, true);
      }
      plan.simdV = bytes;
    }
  }
  // 16 pixels per step, the last step moved back to end at the row's end.
  return width >= 16 ? plan.simdV : null;
}

/**
 * hpass plan groups (see gray8-wasm.ts): eight output columns per group, the last group moved back to end at
 * the last column. A group's three taps must lie within 16 input bytes of its first tap, which holds for
 * downscales by up to ~1.75x, so for every three-tap plan; otherwise (or with fewer than 8 output columns) null.
 */
function simdHorizontalPlan(plan: AxisPlan): { bytes: Uint8Array; groups: number } | null {
  if (plan.simdH !== undefined) return plan.simdH;
  const three = plan.three;
  const outSize = three?.start.length ?? 0;
  if (!three || outSize < 8) return (plan.simdH = null);
  const groups = Math.ceil(outSize / 8);
  const bytes = new Uint8Array(groups * HPLAN_GROUP_BYTES);
  const view = new DataView(bytes.buffer);
  const taps = [three.w0, three.w1, three.w2];
  for (let g = 0; g < groups; g++) {
    const x0 = Math.min(g * 8, outSize - 8);
    const at = g * HPLAN_GROUP_BYTES;
    const base = three.start[x0]!;
    view.setInt32(at, base, true);
    view.setInt32(at + 4, x0, true);
    for (let j = 0; j < 8; j++) {
      for (let k = 0; k < 3; k++) {
        const offset = three.start[x0 + j]! - base + k;
        if (offset > 15) return (plan.simdH = null);
        bytes[at + 16 + k * 16 + 2 * j] = offset;
        bytes[at + 16 + k * 16 + 2 * j + 1] = 0x80; // out-of-range index: swizzle writes 0, the high byte of a u16 lane
        view.setInt32(at + 64 + (j < 4 ? 0 : 48) + k * 16 + (j % 4) * 4, taps[k]![x0 + j]!, true);
      }
    }
  }
  return (plan.simdH = { bytes, groups });
}

/**
 * Both passes (or the one needed) in the kernels' memory: plans, source, intermediate and output laid end to
 * end. A source already in that memory (decodePngGray8Transient's pixels) is read where it lies and everything
 * else goes after it. Undefined when a needed pass has no SIMD plan or the image is too large for the kernels.
 */
function resizeSimd(k: Gray8Kernels, image: GrayImage, outWidth: number, outHeight: number): Uint8Array | undefined {
  const { width, height } = image;
  const n = width * height;
  if (image.data.length < n) throw new RangeError(`resize: ${image.data.length} bytes of pixels for a ${width}x${height} image`);
  const horizontal = outWidth !== width;
  const vertical = outHeight !== height;
  const hplan = horizontal ? simdHorizontalPlan(planFor(width, outWidth)) : undefined;
  const vplan = vertical ? simdVerticalPlan(planFor(height, outHeight), outWidth) : undefined;
  if (hplan === null || vplan === null) return undefined;
  const inPlace = image.data.buffer === k.memory.buffer;
  const base = inPlace ? align16(image.data.byteOffset + n + PAD) : 0;
  const hplanAt = base;
  const vplanAt = align16(hplanAt + (hplan?.bytes.length ?? 0));
  const srcAt = inPlace ? image.data.byteOffset : align16(vplanAt + (vplan?.length ?? 0));
  const midAt = inPlace ? vplanAt + align16(vplan?.length ?? 0) : align16(srcAt + n + PAD);
  const outAt = horizontal && vertical ? align16(midAt + outWidth * height + PAD) : midAt;
  const end = outAt + outWidth * outHeight + PAD;
  if (end > 1 << 30) return undefined;
  // Growing detaches image.data when it is in the kernels' memory; its bytes stay at srcAt.
  const mem = kernelMemory(k, end);
  if (hplan) mem.set(hplan.bytes, hplanAt);
  if (vplan) mem.set(vplan, vplanAt);
  if (!inPlace) mem.set(image.data.subarray(0, n), srcAt);
  if (horizontal) k.hpass(srcAt, width, height, outWidth, hplanAt, hplan!.groups, vertical ? midAt : outAt);
  if (vertical) k.vpass(horizontal ? midAt : srcAt, outWidth, outHeight, vplanAt, outAt);
  return mem.slice(outAt, outAt + outWidth * outHeight);
}

/**
 * Which implementation resizes: 'auto' takes the WebAssembly SIMD kernels (gray8-wasm.ts) when they are
 * available and fit the sizes (three taps per sample: upscales and downscales by up to 1.5x), else the
 * typed-array loops; 'js' always takes the loops. Both give the same bytes.
 */
export type ResizeKernel = 'auto' | 'js';

/** Whether `resizeBilinearGray8(image, outWidth, outHeight)` runs the SIMD kernels ('simd') or the loops ('js'). */
export function resizeKernelFor(width: number, height: number, outWidth: number, outHeight: number): 'simd' | 'js' {
  if (!gray8Kernels() || (outWidth === width && outHeight === height)) return 'js';
  if (outWidth !== width && !simdHorizontalPlan(planFor(width, outWidth))) return 'js';
  if (outHeight !== height && !simdVerticalPlan(planFor(height, outHeight), outWidth)) return 'js';
  return 'simd';
}

/** PIL `resize((outWidth, outHeight), BILINEAR)` on an 8-bit gray image. */
export function resizeBilinearGray8(image: GrayImage, outWidth: number, outHeight: number, kernel: ResizeKernel = 'auto'): GrayImage {
  const { width, height } = image;
  if (kernel === 'auto' && (outWidth !== width || outHeight !== height)) {
    const k = gray8Kernels();
    const data = k ? resizeSimd(k, image, outWidth, outHeight) : undefined;
    if (data) return { width: outWidth, height: outHeight, data };
  }
  const out = new Uint8Array(outWidth * outHeight);
  if (outWidth !== width && outHeight !== height) {
    if (scratch.length < outWidth * height) scratch = new Uint8Array(outWidth * height);
    resizeHorizontal(image.data, width, height, outWidth, scratch);
    resizeVertical(scratch, outWidth, height, outHeight, out);
  } else if (outWidth !== width) {
    resizeHorizontal(image.data, width, height, outWidth, out);
  } else if (outHeight !== height) {
    resizeVertical(image.data, width, height, outHeight, out);
  } else {
    out.set(image.data.subarray(0, out.length));
  }
  return { width: outWidth, height: outHeight, data: out };
}

type Fit = ImagePipelineOptions['fit'];

/** Where the resized image sits in the square: its size and its offset into the square (negative = cropped). */
export interface FitGeometry {
  width: number;
  height: number;
  left: number;
  top: number;
}

/**
 * The geometry sharp uses for `resize(side, side, { fit })` (see fit.ts), so both paths frame images alike:
 * one shrink factor for both axes (the larger for 'pad-white', the smaller for 'center-crop'), resized sides
 * rounded, then padded with the odd pixel on the right/bottom or cropped with the odd pixel on the left/top.
 */
export function fitGeometry(width: number, height: number, side: number, fit: Fit): FitGeometry {
  if (fit === 'stretch') return { width: side, height: side, left: 0, top: 0 };
  const hshrink = width / side;
  const vshrink = height / side;
  const shrink = fit === 'pad-white' ? Math.max(hshrink, vshrink) : Math.min(hshrink, vshrink);
  const w = hshrink === shrink ? side : Math.max(1, Math.round(width / shrink));
  const h = vshrink === shrink ? side : Math.max(1, Math.round(height / shrink));
  if (fit === 'pad-white') return { width: w, height: h, left: Math.floor((side - w) / 2), top: Math.floor((side - h) / 2) };
  return { width: w, height: h, left: -Math.floor((w - side + 1) / 2), top: -Math.floor((h - side + 1) / 2) };
}

/** A `side` x `side` gray square from `image` under `fit`, resized with PIL's bilinear filter. */
export function fitSquareGray8(image: GrayImage, side: number, fit: Fit): Uint8Array {
  const g = fitGeometry(image.width, image.height, side, fit);
  const resized = g.width === image.width && g.height === image.height ? image : resizeBilinearGray8(image, g.width, g.height);
  if (g.width === side && g.height === side) return resized.data === image.data ? image.data.slice() : resized.data;
  const out = new Uint8Array(side * side);
  if (fit === 'pad-white') out.fill(255);
  // Copy the overlap of the resized image (placed at left, top) with the square.
  const x0 = Math.max(0, g.left);
  const y0 = Math.max(0, g.top);
  const x1 = Math.min(side, g.left + g.width);
  const y1 = Math.min(side, g.top + g.height);
  for (let y = y0; y < y1; y++) {
    const src = (y - g.top) * g.width + (x0 - g.left);
    out.set(resized.data.subarray(src, src + (x1 - x0)), y * side + x0);
  }
  return out;
}
