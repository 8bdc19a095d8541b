import type { ImagePipelineOptions } from '../types';
import type { GrayImage } from './decode';

/**
 * PIL's `Image.resize(size, Image.BILINEAR)` for 8-bit gray images, which is what torchvision's Resize does to
 * a PIL image: a separable triangle filter whose support grows with the downscale factor (so shrinking is
 * antialiased), horizontal pass first, each pass rounded to 8 bits, with PIL's 22-bit fixed-point weights.
 * Following Pillow's arithmetic step by step makes the output match it to the grey level.
 */

/** Pillow's PRECISION_BITS for 8-bit resampling: 32 - 8 bits of sample - 2 bits of headroom. */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coefficients {
  /** Taps per output sample (fixed stride into `weights`). */
  taps: number;
  /** First input index per output sample. */
  start: Int32Array;
  /** Number of used taps per output sample. */
  count: Int32Array;
  /** Fixed-point weights, `taps` per output sample. */
  weights: Int32Array;
}

/** Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the bilinear (support 1) filter. */
function bilinearCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // bilinear support (1) times filterScale
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  const inv = 1 / filterScale;
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
    for (let x = 0; x < xmax; x++) {
      const k = sum !== 0 ? w[x]! / sum : w[x]!;
      // Bilinear weights are never negative: Pillow's (int)(0.5 + k * 2^22).
      weights[xx * taps + x] = Math.trunc(0.5 + k * (1 << PRECISION_BITS));
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { taps, start, count, weights };
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

function resizeHorizontal(src: Uint8Array, width: number, height: number, outWidth: number): Uint8Array {
  const { taps, start, count, weights } = bilinearCoefficients(width, outWidth);
  const out = new Uint8Array(outWidth * height);
  // Column by column within a block of rows, so each column's weights stay in registers for the inner loop.
  for (let y0 = 0; y0 < height; y0 += ROW_BLOCK) {
    const y1 = Math.min(height, y0 + ROW_BLOCK);
    for (let xx = 0; xx < outWidth; xx++) {
      const n = count[xx]!;
      const k = xx * taps;
      const s0 = start[xx]!;
      if (n <= 3) {
        // Shrinking by less than 2x (the usual 256 -> 224) needs at most 3 taps; missing taps get weight 0.
        const w0 = weights[k]!;
        const w1 = n > 1 ? weights[k + 1]! : 0;
        const w2 = n > 2 ? weights[k + 2]! : 0;
        const s1 = n > 1 ? s0 + 1 : s0;
        const s2 = n > 2 ? s0 + 2 : s0;
        for (let y = y0; y < y1; y++) {
          const row = y * width;
          out[y * outWidth + xx] = clip8(HALF + src[row + s0]! * w0 + src[row + s1]! * w1 + src[row + s2]! * w2);
        }
      } else {
        for (let y = y0; y < y1; y++) {
          const s = y * width + s0;
          let acc = HALF;
          for (let i = 0; i < n; i++) acc += src[s + i]! * weights[k + i]!;
          out[y * outWidth + xx] = clip8(acc);
        }
      }
    }
  }
  return out;
}

function resizeVertical(src: Uint8Array, width: number, height: number, outHeight: number): Uint8Array {
  const { taps, start, count, weights } = bilinearCoefficients(height, outHeight);
  const out = new Uint8Array(width * outHeight);
  const acc = new Int32Array(width);
  for (let yy = 0; yy < outHeight; yy++) {
    const n = count[yy]!;
    const k = yy * taps;
    const r0 = start[yy]! * width;
    const orow = yy * width;
    // Whole rows at a time: each output row is a weighted sum of n contiguous input rows.
    if (n === 2 || n === 3) {
      const w0 = weights[k]!;
      const w1 = weights[k + 1]!;
      const w2 = n === 3 ? weights[k + 2]! : 0;
      const r1 = r0 + width;
      const r2 = n === 3 ? r1 + width : r1; // weight 0 when n === 2
      for (let x = 0; x < width; x++) {
        out[orow + x] = clip8(HALF + src[r0 + x]! * w0 + src[r1 + x]! * w1 + src[r2 + x]! * w2);
      }
    } else {
      acc.fill(HALF);
      for (let i = 0; i < n; i++) {
        const wgt = weights[k + i]!;
        const row = r0 + i * width;
        for (let x = 0; x < width; x++) acc[x] += src[row + x]! * wgt;
      }
      for (let x = 0; x < width; x++) out[orow + x] = clip8(acc[x]!);
    }
  }
  return out;
}

/** PIL `resize((outWidth, outHeight), BILINEAR)` on an 8-bit gray image. */
export function resizeBilinearGray8(image: GrayImage, outWidth: number, outHeight: number): GrayImage {
  const { width, height } = image;
  let data = image.data;
  if (outWidth !== width) data = resizeHorizontal(data, width, height, outWidth);
  if (outHeight !== height) data = resizeVertical(data, outWidth, height, outHeight);
  return { width: outWidth, height: outHeight, data: data === image.data ? data.slice() : data };
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
