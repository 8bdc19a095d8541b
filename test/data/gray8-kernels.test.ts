import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePngGray8Sync, decodePngGray8Transient, paeth, unfilterGray8, unfilterInKernelMemory } from '../../lib/kernels/image/png-gray8';
import { resizeBilinearGray8, resizeKernelFor } from '../../lib/kernels/image/resize';
import { gray8Kernels, gray8ModuleBytes } from '../../lib/kernels/image/gray8-wasm';
import { createRng } from '../../lib/util/random';
import { COVID_ROOT } from './helpers';

const COVID_IMAGES = path.join(COVID_ROOT, 'images');
/** RETHINK_WASM_SIMD=0 turns the kernels off: everything then runs (and is tested) on the typed-array loops. */
const noWasm = process.env.RETHINK_WASM_SIMD === '0';
const haveCovid = existsSync(COVID_IMAGES);

/**
 * Pillow's ImagingResample for 8-bit images with the bilinear filter, transliterated as plainly as possible from
 * Resample.c (precompute_coeffs, normalize_coeffs_8bpc, ImagingResampleHorizontal_8bpc / Vertical_8bpc, clip8):
 * an independent reference for resize.ts's loops and SIMD kernels.
 */
function pillowBilinear(src: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8Array {
  const coeffs = (inSize: number, outSize: number): { bounds: number[]; kk: number[][] } => {
    const scale = inSize / outSize;
    const filterscale = Math.max(scale, 1);
    const support = 1 * filterscale;
    const bounds: number[] = [];
    const kk: number[][] = [];
    for (let xx = 0; xx < outSize; xx++) {
      const center = (xx + 0.5) * scale;
      const ss = 1 / filterscale;
      let xmin = Math.trunc(center - support + 0.5);
      if (xmin < 0) xmin = 0;
      let xmax = Math.trunc(center + support + 0.5);
      if (xmax > inSize) xmax = inSize;
      xmax -= xmin;
      const k: number[] = [];
      let ww = 0;
      for (let x = 0; x < xmax; x++) {
        const t = Math.abs((x + xmin - center + 0.5) * ss);
        const w = t < 1 ? 1 - t : 0;
        k.push(w);
        ww += w;
      }
      // normalize_coeffs_8bpc: (int)(0.5 + k * (1 << PRECISION_BITS)) for k >= 0
      kk.push(k.map((w) => Math.trunc(0.5 + (ww === 0 ? w : w / ww) * (1 << 22))));
      bounds.push(xmin, xmax);
    }
    return { bounds, kk };
  };
  const clip8 = (v: number): number => Math.min(255, Math.max(0, v >> 22));
  let data = src;
  let w = width;
  if (outWidth !== width) {
    const { bounds, kk } = coeffs(width, outWidth);
    const out = new Uint8Array(outWidth * height);
    for (let y = 0; y < height; y++) {
      for (let xx = 0; xx < outWidth; xx++) {
        let ss = 1 << 21;
        for (let x = 0; x < bounds[2 * xx + 1]!; x++) ss += data[y * w + bounds[2 * xx]! + x]! * kk[xx]![x]!;
        out[y * outWidth + xx] = clip8(ss);
      }
    }
    data = out;
    w = outWidth;
  }
  if (outHeight !== height) {
    const { bounds, kk } = coeffs(height, outHeight);
    const out = new Uint8Array(w * outHeight);
    for (let yy = 0; yy < outHeight; yy++) {
      for (let x = 0; x < w; x++) {
        let ss = 1 << 21;
        for (let y = 0; y < bounds[2 * yy + 1]!; y++) ss += data[(y + bounds[2 * yy]!) * w + x]! * kk[yy]![y]!;
        out[yy * w + x] = clip8(ss);
      }
    }
    data = out;
  }
  return data === src ? src.slice() : data;
}

function noise(n: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  const px = new Uint8Array(n);
  for (let i = 0; i < n; i++) px[i] = Math.floor(rng.next() * 256);
  return px;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

describe('resize kernels: WebAssembly SIMD and typed-array loops agree with Pillow bit for bit', () => {
  it.skipIf(noWasm)('the SIMD module assembles and validates on this Node, and takes the 256 -> 224 resize', () => {
    expect(WebAssembly.validate(gray8ModuleBytes())).toBe(true);
    expect(gray8Kernels()).toBeDefined();
    expect(resizeKernelFor(256, 256, 224, 224)).toBe('simd');
    expect(resizeKernelFor(200, 200, 256, 256)).toBe('simd'); // upscale
    // Too few output columns for an 8-wide group, too narrow for a 16-wide step, or more than three taps (2x).
    expect(resizeKernelFor(20, 20, 7, 16)).toBe('js');
    expect(resizeKernelFor(20, 20, 15, 19)).toBe('js');
    expect(resizeKernelFor(20, 20, 15, 20)).toBe('simd'); // horizontal only: no 16-wide vertical steps needed
    expect(resizeKernelFor(256, 256, 128, 128)).toBe('js');
    expect(resizeKernelFor(64, 64, 64, 64)).toBe('js');
  });

  it('matches the Pillow transliteration on odd, tiny, non-square sizes, upscales and downscales', () => {
    const sizes: Array<[number, number, number, number]> = [
      [256, 256, 224, 224],
      [256, 256, 224, 256],
      [256, 256, 256, 224],
      [255, 257, 224, 223],
      [300, 200, 160, 120],
      [120, 80, 200, 40],
      [17, 16, 16, 17],
      [16, 16, 8, 9], // 2x down: more than three taps, loops only
      [9, 9, 8, 16],
      [33, 31, 19, 18], // ~1.7x down: four taps, loops only
      [30, 30, 20, 20], // 1.5x down: the three-tap (SIMD) limit
      [31, 30, 21, 20],
      [33, 31, 20, 16],
      [1, 1, 8, 16],
      [2, 3, 40, 41],
      [3, 2, 1, 1],
      [1000, 30, 37, 29],
      [31, 40, 100, 17],
    ];
    const rng = createRng(11);
    for (let t = 0; t < 120; t++) {
      sizes.push([1 + Math.floor(rng.next() * 70), 1 + Math.floor(rng.next() * 70), 1 + Math.floor(rng.next() * 90), 1 + Math.floor(rng.next() * 90)]);
    }
    let simd = 0;
    for (const [w, h, ow, oh] of sizes) {
      const px = noise(w * h, w * 131 + h);
      const label = `${w}x${h} -> ${ow}x${oh}`;
      const ref = pillowBilinear(px, w, h, ow, oh);
      const auto = resizeBilinearGray8({ width: w, height: h, data: px }, ow, oh);
      const loops = resizeBilinearGray8({ width: w, height: h, data: px }, ow, oh, 'js');
      expect([auto.width, auto.height], label).toEqual([ow, oh]);
      expect(same(loops.data, ref), `${label} loops`).toBe(true);
      expect(same(auto.data, ref), `${label} ${resizeKernelFor(w, h, ow, oh)}`).toBe(true);
      if (resizeKernelFor(w, h, ow, oh) === 'simd') simd++;
    }
    // Many random pairs are upscales or mild downscales in both axes, which take the SIMD path.
    if (!noWasm) expect(simd).toBeGreaterThan(20);
  });

  it('saturates like clip8 at the extremes: flat 0 and 255, and a 0/255 checkerboard', () => {
    for (const [w, h, ow, oh] of [[256, 256, 224, 224], [40, 40, 70, 50], [37, 23, 29, 19]] as const) {
      for (const fill of ['zero', 'white', 'checker'] as const) {
        const px = new Uint8Array(w * h);
        for (let i = 0; i < px.length; i++) px[i] = fill === 'zero' ? 0 : fill === 'white' ? 255 : ((i % w) + Math.floor(i / w)) % 2 ? 255 : 0;
        const out = resizeBilinearGray8({ width: w, height: h, data: px }, ow, oh).data;
        expect(same(out, pillowBilinear(px, w, h, ow, oh)), `${w}x${h} ${fill}`).toBe(true);
        if (fill !== 'checker') expect(out.every((v) => v === px[0])).toBe(true);
      }
    }
  });

  it('gives each call its own output, unaffected by later calls (the kernels reuse their memory)', () => {
    const a = noise(256 * 256, 1);
    const b = noise(256 * 256, 2);
    const ra = resizeBilinearGray8({ width: 256, height: 256, data: a }, 224, 224).data;
    const copy = ra.slice();
    resizeBilinearGray8({ width: 256, height: 256, data: b }, 224, 224);
    // A much larger image grows the module's memory; earlier results stay intact.
    resizeBilinearGray8({ width: 1500, height: 1400, data: noise(1500 * 1400, 3) }, 1400, 1300);
    expect(same(ra, copy)).toBe(true);
    expect(same(resizeBilinearGray8({ width: 256, height: 256, data: a }, 224, 224).data, copy)).toBe(true);
  });

  it.skipIf(!haveCovid)('agrees with the loops and the reference on the prepared COVID images', () => {
    const files = readdirSync(COVID_IMAGES).filter((f) => f.endsWith('.png')).sort().slice(0, 12);
    for (const name of files) {
      const file = path.join(COVID_IMAGES, name);
      const img = decodePngGray8Sync(readFileSync(file), file);
      if (!img) continue;
      const ref = pillowBilinear(img.data, img.width, img.height, 224, 224);
      expect(same(resizeBilinearGray8(img, 224, 224).data, ref), name).toBe(true);
      expect(same(resizeBilinearGray8(img, 224, 224, 'js').data, ref), name).toBe(true);
    }
  });
});

describe('PNG unfilter: branch-free Paeth, WebAssembly kernel, transient decode', () => {
  it("the branch-free Paeth predictor equals the spec's on all 2^24 inputs", () => {
    let bad = 0;
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        for (let c = 0; c < 256; c++) {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          const spec = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          if (paeth(a, b, c, 3 * c) !== spec) bad++;
        }
      }
    }
    expect(bad).toBe(0);
  });

  it.skipIf(noWasm)('the WebAssembly unfilter equals the typed-array loops for every filter sequence, on odd widths', () => {
    expect(gray8Kernels()).toBeDefined();
    const rng = createRng(21);
    for (const [width, height] of [[1, 1], [1, 6], [2, 5], [3, 9], [16, 4], [17, 17], [255, 7], [256, 12]] as const) {
      for (let trial = 0; trial < 12; trial++) {
        // Random filter bytes (runs of equal ones too, so the paired kernels run) over random data.
        const raw = noise(height * (width + 1), width * 1000 + height * 10 + trial);
        let f = 0;
        for (let y = 0; y < height; y++) {
          if (trial === 0) f = 4;
          else if (trial === 1) f = 3;
          else if (rng.next() < 0.6) f = Math.floor(rng.next() * 5);
          raw[y * (width + 1)] = f;
        }
        const label = `${width}x${height} trial ${trial}`;
        const loops = unfilterGray8(raw, width, height, label);
        const kernel = unfilterInKernelMemory(raw, width, height, label);
        expect(kernel, label).toBeDefined();
        expect(same(kernel!, loops), label).toBe(true);
        // Into a caller's buffer: same bytes.
        const into = new Uint8Array(width * height + 3);
        unfilterGray8(raw, width, height, label, into);
        expect(same(into.subarray(0, width * height), loops), label).toBe(true);
      }
    }
    const bad = noise(3 * 9, 1);
    for (let y = 0; y < 3; y++) bad[y * 9] = y === 2 ? 7 : 1;
    expect(() => unfilterInKernelMemory(bad, 8, 3, 'bad.png')).toThrow(/bad\.png.*row 2 has unknown filter type 7/);
    expect(() => unfilterGray8(bad, 8, 3, 'bad.png')).toThrow(/bad\.png.*row 2 has unknown filter type 7/);
  });

  it.skipIf(!haveCovid)('decodePngGray8Transient gives the same pixels as decodePngGray8Sync, in a reused buffer', () => {
    const files = readdirSync(COVID_IMAGES).filter((f) => f.endsWith('.png')).sort().slice(0, 4).map((f) => path.join(COVID_IMAGES, f));
    const decoded = files.map((f) => decodePngGray8Sync(readFileSync(f), f));
    let previous: Uint8Array | undefined;
    for (const [i, f] of files.entries()) {
      const t = decodePngGray8Transient(readFileSync(f), f);
      if (!decoded[i]) {
        expect(t).toBeUndefined();
        continue;
      }
      expect(same(t!.data, decoded[i]!.data)).toBe(true);
      if (previous) expect(t!.data.buffer).toBe(previous.buffer);
      previous = t!.data;
    }
  });
});
