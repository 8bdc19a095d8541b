import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { fitGray8File } from '../../lib/data/image/fit';
import { decodeAndFit, decodeAndFitTraced } from '../../lib/data/image/pipeline';
import { decodePngGray8, decodePngGray8Sync, readPngGray8 } from '../../lib/kernels/image/png-gray8';
import { fitGeometry, fitSquareGray8, resizeBilinearGray8 } from '../../lib/kernels/image/resize';
import { DataError } from '../../lib/errors';
import { createRng } from '../../lib/util/random';
import { COVID_ROOT, tempDir } from './helpers';

const tmp = tempDir('png-fast');
afterAll(() => tmp.cleanup());

const COVID_IMAGES = path.join(COVID_ROOT, 'images');
const haveCovid = existsSync(COVID_IMAGES);
if (!haveCovid) console.warn(`png-fast-path: ${COVID_IMAGES} not found; skipping the tests on the real COVID images`);

async function sharpGray(input: string | Buffer): Promise<Uint8Array> {
  const { data, info } = await sharp(input).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(1);
  return new Uint8Array(data);
}

// --- A PNG writer with a chosen filter per row, so every filter type (and odd widths) is exercised. ---

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(data, zlib.crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

function paethPredictor(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Filters each row with `filters[y % filters.length]` (the spec's definitions, written out plainly). */
function filteredRows(width: number, height: number, px: Uint8Array, filters: number[]): Buffer {
  const out = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) {
    const f = filters[y % filters.length]!;
    out[y * (width + 1)] = f;
    for (let x = 0; x < width; x++) {
      const v = px[y * width + x]!;
      const a = x > 0 ? px[y * width + x - 1]! : 0;
      const b = y > 0 ? px[(y - 1) * width + x]! : 0;
      const c = x > 0 && y > 0 ? px[(y - 1) * width + x - 1]! : 0;
      const pred = [0, a, b, (a + b) >> 1, paethPredictor(a, b, c)][f]!;
      out[y * (width + 1) + 1 + x] = (v - pred) & 255;
    }
  }
  return out;
}

interface PngOptions {
  filters?: number[];
  /** Split the zlib stream over IDAT chunks of this many bytes. */
  idatSize?: number;
  extraChunks?: Buffer[];
}

function encodeGrayPng(width: number, height: number, px: Uint8Array, opts: PngOptions = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const z = zlib.deflateSync(filteredRows(width, height, px, opts.filters ?? [0, 1, 2, 3, 4]));
  const size = opts.idatSize ?? z.length;
  const idats: Buffer[] = [];
  for (let i = 0; i < z.length; i += size) idats.push(chunk('IDAT', z.subarray(i, i + size)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(opts.extraChunks ?? []),
    ...idats,
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function randomPixels(n: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  const px = new Uint8Array(n);
  // Smooth-ish with noise, like an X-ray: small steps make every predictor's choice matter.
  let v = 128;
  for (let i = 0; i < n; i++) {
    v = (v + Math.floor(rng.next() * 9) - 4 + 256) % 256;
    px[i] = rng.next() < 0.1 ? Math.floor(rng.next() * 256) : v;
  }
  return px;
}

describe('PNG gray8 decoder', () => {
  it.skipIf(!haveCovid)('decodes every prepared COVID image exactly as sharp does (or hands it to sharp)', async () => {
    const files = readdirSync(COVID_IMAGES).filter((f) => f.endsWith('.png')).sort();
    expect(files.length).toBe(271);
    let fast = 0;
    for (const name of files) {
      const file = path.join(COVID_IMAGES, name);
      const bytes = readFileSync(file);
      const ours = decodePngGray8Sync(bytes, file);
      if (!ours) {
        // Only files sharp would not read as plain samples (here: an embedded ICC profile) go elsewhere.
        expect(bytes.includes(Buffer.from('iCCP')), name).toBe(true);
        continue;
      }
      fast++;
      const ref = await sharpGray(bytes);
      expect([ours.width, ours.height]).toEqual([256, 256]);
      expect(Buffer.compare(Buffer.from(ours.data), Buffer.from(ref)), name).toBe(0);
    }
    // Nearly all prepared CXRs take the fast path.
    expect(fast).toBeGreaterThan(250);
  });

  it('undoes each of the five row filters, on odd widths, one or many IDAT chunks', async () => {
    for (const [width, height] of [[1, 5], [2, 3], [3, 7], [7, 9], [33, 10], [255, 12]] as const) {
      const px = randomPixels(width * height, width * 1000 + height);
      for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4], [4, 4, 3, 4, 4, 4, 2, 1]]) {
        const png = encodeGrayPng(width, height, px, { filters, idatSize: filters.length > 1 ? 17 : undefined });
        const label = `${width}x${height} filters ${filters.join(',')}`;
        const ours = decodePngGray8Sync(png, label);
        expect(ours, label).toBeDefined();
        expect(Array.from(ours!.data), label).toEqual(Array.from(px));
        expect(Array.from(await sharpGray(png)), label).toEqual(Array.from(px));
        const viaPool = await decodePngGray8(png, label);
        expect(Array.from(viaPool!.data), label).toEqual(Array.from(px));
      }
    }
  });

  it("matches sharp on files sharp's own encoder wrote with adaptive filtering", async () => {
    for (const [width, height] of [[5, 4], [31, 17], [64, 64]] as const) {
      const px = randomPixels(width * height, 7 + width);
      const png = await sharp(Buffer.from(px), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ adaptiveFiltering: true, compressionLevel: 9 }).toBuffer();
      const ours = decodePngGray8Sync(png, 'sharp.png');
      expect(ours).toBeDefined();
      expect(Array.from(ours!.data)).toEqual(Array.from(px));
    }
  });

  it('a corrupt PNG is a DataError naming the file: bad CRC, truncated IDAT data, cut-off file', async () => {
    const px = randomPixels(40 * 30, 3);
    const good = encodeGrayPng(40, 30, px);
    const idatAt = good.indexOf(Buffer.from('IDAT'));

    const badCrc = Buffer.from(good);
    badCrc[idatAt + 10] ^= 0x55;
    // A short zlib stream inside a well-formed chunk: the CRC is right, the data ends early.
    const z = zlib.deflateSync(filteredRows(40, 30, px, [4]));
    const ihdr = good.subarray(8, 8 + 25);
    const shortIdat = Buffer.concat([good.subarray(0, 8), ihdr, chunk('IDAT', z.subarray(0, z.length - 20)), chunk('IEND', new Uint8Array(0))]);
    const cutOff = good.subarray(0, idatAt + 30);

    for (const [name, bytes, why] of [
      ['bad-crc.png', badCrc, /CRC mismatch in IDAT/],
      ['short-idat.png', shortIdat, /does not inflate/],
      ['cut-off.png', cutOff, /runs past the end of the file/],
    ] as const) {
      const file = path.join(tmp.dir, name);
      writeFileSync(file, bytes);
      const err = await decodeAndFit(file, 16, 'stretch').catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(DataError);
      expect((err as DataError).message).toContain(file);
      expect((err as DataError).message).toMatch(why);
      expect((err as DataError).details.file).toBe(file);
    }
    // Row data that inflates but decodes to too few rows is caught as well.
    const fewRows = Buffer.concat([good.subarray(0, 8), ihdr, chunk('IDAT', zlib.deflateSync(filteredRows(40, 29, px, [1]))), chunk('IEND', new Uint8Array(0))]);
    expect(() => decodePngGray8Sync(fewRows, 'few-rows.png')).toThrow(/few-rows\.png.*truncated/);
    const badFilter = encodeGrayPng(4, 2, px.subarray(0, 8), { filters: [0] });
    const raw = zlib.inflateSync(readPngGray8(badFilter, 'x')!.zdata);
    raw[5] = 9;
    const withBadFilter = Buffer.concat([badFilter.subarray(0, 33), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
    expect(() => decodePngGray8Sync(withBadFilter, 'bad-filter.png')).toThrow(/bad-filter\.png.*row 1 has unknown filter type 9/);
  });
});

describe('routing: the fast path takes plain gray8 PNGs, sharp takes everything else', () => {
  const W = 37;
  const H = 23;
  const px = randomPixels(W * H, 11);
  const raw = (channels: number): Buffer => {
    const out = Buffer.alloc(W * H * channels);
    for (let i = 0; i < W * H; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = c === 3 ? 200 : (px[i]! + 40 * c) & 255;
    return out;
  };
  const write = (name: string, bytes: Buffer): string => {
    const file = path.join(tmp.dir, name);
    writeFileSync(file, bytes);
    return file;
  };

  it('tags each file with the decoder that read it, and the fast path gives the pixels sharp decodes', async () => {
    const gray = write('gray.png', encodeGrayPng(W, H, px));
    const cases: Array<[string, Promise<Buffer>, string]> = [
      ['rgb.png', sharp(raw(3), { raw: { width: W, height: H, channels: 3 } }).png().toBuffer(), 'sharp'],
      ['rgba.png', sharp(raw(4), { raw: { width: W, height: H, channels: 4 } }).png().toBuffer(), 'sharp'],
      ['gray16.png', sharp(new Uint16Array(Array.from(px, (v) => v * 250)), { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toBuffer(), 'sharp'],
      ['interlaced.png', sharp(Buffer.from(px), { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').png({ progressive: true }).toBuffer(), 'sharp-gray8'],
      ['gray.jpg', sharp(Buffer.from(px), { raw: { width: W, height: H, channels: 1 } }).toColourspace('b-w').jpeg().toBuffer(), 'sharp-gray8'],
      // Gray8 with a transparent grey level: sharp adds alpha, so it stays on the (one-pass) sharp path.
      ['trns.png', Promise.resolve(encodeGrayPng(W, H, px, { extraChunks: [chunk('tRNS', Uint8Array.from([0, 7]))] })), 'sharp-gray8'],
    ];
    for (const [name, bytes, expected] of cases) {
      const file = write(name, await bytes);
      expect((await decodeAndFitTraced(file, 16, 'stretch')).decoder, name).toBe(expected);
    }
    const interlaced = readFileSync(path.join(tmp.dir, 'interlaced.png'));
    expect(interlaced[28]).toBe(1); // IHDR interlace method: Adam7
    const traced = await decodeAndFitTraced(gray, 16, 'center-crop');
    expect(traced.decoder).toBe('png-gray8');
    const ref = { width: W, height: H, data: await sharpGray(readFileSync(gray)) };
    expect(Array.from(traced.pixels)).toEqual(Array.from(fitSquareGray8(ref, 16, 'center-crop')));
  });

  it('leaves EXIF-oriented gray PNGs to sharp, which applies the rotation', async () => {
    // A minimal big-endian TIFF/EXIF block holding one tag: Orientation (0x0112) = 6, "rotate 90 clockwise".
    const exif = Buffer.from([0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
    const rotated = encodeGrayPng(W, H, px, { extraChunks: [chunk('eXIf', exif)] });
    expect((await sharp(rotated).metadata()).orientation).toBe(6);
    expect(readPngGray8(rotated, 'rotated.png')).toBeUndefined();
    const file = write('rotated.png', rotated);
    const traced = await decodeAndFitTraced(file, H, 'pad-white');
    expect(traced.decoder).toBe('sharp-gray8');
    // Upright, the 37x23 image is 23x37: it fills the square's height, with white at the sides.
    const g = fitGeometry(H, W, H, 'pad-white');
    expect(g.left).toBeGreaterThan(0);
    for (let y = 0; y < H; y++) expect([traced.pixels[y * H], traced.pixels[y * H + H - 1]]).toEqual([255, 255]);
    expect(Math.min(...traced.pixels.subarray(Math.floor(H / 2) * H + g.left, Math.floor(H / 2) * H + g.left + g.width))).toBeLessThan(255);
  });
});

// --- Resize: PIL BILINEAR golden outputs (scripts/gen-resize-golden.py). ---

interface GoldenCase {
  name: string;
  kind: 'resize' | 'fit' | 'covid';
  width?: number;
  height?: number;
  seed?: number;
  side?: number;
  fit?: 'stretch' | 'center-crop' | 'pad-white';
  file?: string;
  outWidth: number;
  outHeight: number;
  sha256: string;
  stride: number;
  samples: string;
}

const golden = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/data-resize-golden.json'), 'utf8')) as { cases: GoldenCase[] };

/** Must match `pattern` in scripts/gen-resize-golden.py. */
function pattern(w: number, h: number, seed: number): Uint8Array {
  const px = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      px[y * w + x] = 2 * y < h
        ? Math.floor(((x * 2654435761 + y * 2246822519 + seed * 374761393) % 4294967296) / 16777216)
        : (Math.floor((x * 255) / Math.max(w - 1, 1)) + Math.floor((y * 97) / h)) % 256;
    }
  }
  return px;
}

describe("resize: PIL's Image.resize(BILINEAR), with fit.ts's geometry", () => {
  it('the golden fixture covers downscale 256->224 and 256->64, upscale, non-square, and every fit', () => {
    const names = golden.cases.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['resize 256x256 -> 224x224', 'resize 256x256 -> 64x64', 'resize 200x200 -> 256x256', 'resize 300x200 -> 160x120']));
    expect(new Set(golden.cases.filter((c) => c.kind === 'fit').map((c) => c.fit))).toEqual(new Set(['stretch', 'center-crop', 'pad-white']));
  });

  for (const c of golden.cases) {
    it.skipIf(c.kind === 'covid' && !haveCovid)(`matches PIL within 1 grey level: ${c.name}`, () => {
      let out: Uint8Array;
      if (c.kind === 'covid') {
        const file = path.join(COVID_IMAGES, c.file!);
        const img = decodePngGray8Sync(readFileSync(file), file)!;
        out = resizeBilinearGray8(img, c.outWidth, c.outHeight).data;
      } else {
        const img = { width: c.width!, height: c.height!, data: pattern(c.width!, c.height!, c.seed!) };
        out = c.kind === 'resize' ? resizeBilinearGray8(img, c.outWidth, c.outHeight).data : fitSquareGray8(img, c.side!, c.fit!);
      }
      expect(out.length).toBe(c.outWidth * c.outHeight);
      const expected = Buffer.from(c.samples, 'hex');
      let maxDiff = 0;
      for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i * c.stride]! - expected[i]!));
      expect(maxDiff).toBeLessThanOrEqual(1);
      // Following Pillow's fixed-point arithmetic step by step reproduces it exactly, not just within 1.
      expect(createHash('sha256').update(out).digest('hex')).toBe(c.sha256);
    });
  }

  it('frames images as sharp does: same padding for pad-white, same crop for center-crop', async () => {
    for (const [w, h, side] of [[300, 200, 224], [200, 300, 224], [333, 97, 64], [31, 17, 13], [450, 449, 224]] as const) {
      // Dark content: white in sharp's output can only be padding.
      const px = pattern(w, h, 1).map((v) => v >> 2);
      const png = encodeGrayPng(w, h, px);
      const theirs = await fitGray8File(png, side, 'pad-white');
      const ours = fitSquareGray8({ width: w, height: h, data: px }, side, 'pad-white');
      const g = fitGeometry(w, h, side, 'pad-white');
      for (let i = 0; i < side * side; i++) {
        const x = i % side;
        const y = Math.floor(i / side);
        const inside = x >= g.left && x < g.left + g.width && y >= g.top && y < g.top + g.height;
        expect(theirs[i] === 255, `${w}x${h} pad (${x},${y})`).toBe(!inside);
        expect(ours[i] === 255, `${w}x${h} pad (${x},${y})`).toBe(!inside);
      }
    }
    // Crop offsets, where no resampling blurs them: the shorter side already equals `side`, so both paths only
    // crop, and must agree pixel for pixel (odd excess: sharp drops the extra pixel on the left/top).
    for (const [w, h, side] of [[300, 224, 224], [301, 224, 224], [224, 301, 224], [225, 224, 224], [31, 13, 13], [13, 30, 13]] as const) {
      const px = pattern(w, h, 2);
      const theirs = await fitGray8File(encodeGrayPng(w, h, px), side, 'center-crop');
      const ours = fitSquareGray8({ width: w, height: h, data: px }, side, 'center-crop');
      expect(Buffer.compare(Buffer.from(ours), Buffer.from(theirs)), `${w}x${h} crop`).toBe(0);
    }
  });
});
