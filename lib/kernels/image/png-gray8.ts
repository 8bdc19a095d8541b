import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { DataError } from '../../errors';
import type { GrayImage } from '../../data/image/decode';
import { align16, gray8Kernels, kernelMemory, PAD } from './gray8-wasm';

/**
 * A decoder for the one PNG layout almost every prepared chest X-ray uses: 8-bit grayscale (colour type 0),
 * non-interlaced. libvips costs ~1.4 ms of fixed overhead per call; here the work is one zlib inflate plus a
 * pass that undoes the row filters, which is several times cheaper for a 256 px image.
 *
 * Anything else returns `undefined` so the caller takes the general (sharp) path, including gray8 files that
 * sharp would not read as plain gray pixels: a tRNS chunk (sharp adds alpha), an iCCP profile (sharp
 * transforms through it), or EXIF (sharp's `.rotate()` applies its orientation).
 */

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Chunks whose presence means sharp would not hand back the stored gray samples as they are. */
const FALLBACK_CHUNKS = new Set(['tRNS', 'iCCP', 'eXIf']);
/** ImageMagick/exiftool store EXIF in text chunks under these keywords; libvips may read them. */
const EXIF_TEXT_KEYWORDS = ['Raw profile type exif', 'Raw profile type APP1'];

/** The chunks of an eligible file, ready to inflate. */
export interface PngGray8Source {
  width: number;
  height: number;
  /** The zlib stream: the IDAT chunks' data, concatenated. */
  zdata: Uint8Array;
}

export function hasPngSignature(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  return true;
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function textKeyword(data: Uint8Array): string {
  const end = data.indexOf(0);
  return Buffer.from(data.buffer, data.byteOffset, end < 0 ? Math.min(data.length, 80) : end).toString('latin1');
}

/**
 * Walks the chunks (checking every CRC) and returns the IDAT stream when the file is an 8-bit gray,
 * non-interlaced PNG that sharp would decode to exactly its stored samples; `undefined` for any other PNG.
 * A damaged file (bad CRC, cut-off chunk, bad IHDR, no IDAT or IEND) is a DataError naming `file`.
 */
export function readPngGray8(bytes: Uint8Array, file: string): PngGray8Source | undefined {
  if (!hasPngSignature(bytes)) return undefined;
  const fail = (why: string): never => {
    throw new DataError(`${file}: corrupt PNG (${why})`, { file });
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  let pos = 8;
  let sawIend = false;
  let eligible = true;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) fail(`truncated chunk header at byte ${pos}`);
    const length = view.getUint32(pos);
    const type = chunkType(bytes, pos + 4);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    if (length > 0x7fffffff || dataEnd + 4 > bytes.length) fail(`${type} chunk at byte ${pos} runs past the end of the file`);
    const expected = view.getUint32(dataEnd);
    const actual = zlib.crc32(bytes.subarray(dataStart, dataEnd), zlib.crc32(bytes.subarray(pos + 4, dataStart)));
    if (actual !== expected) fail(`CRC mismatch in ${type} chunk at byte ${pos}`);
    const data = bytes.subarray(dataStart, dataEnd);
    if (pos === 8) {
      if (type !== 'IHDR' || length !== 13) fail('first chunk is not a 13-byte IHDR');
      width = view.getUint32(dataStart);
      height = view.getUint32(dataStart + 4);
      if (width === 0 || height === 0) fail(`image size ${width}x${height}`);
      const [depth, colourType, compression, filterMethod, interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (compression !== 0 || filterMethod !== 0) fail(`unknown compression ${compression} or filter method ${filterMethod}`);
      if (depth !== 8 || colourType !== 0 || interlace !== 0) eligible = false;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      sawIend = true;
      break;
    } else if (FALLBACK_CHUNKS.has(type)) {
      eligible = false;
    } else if ((type === 'tEXt' || type === 'zTXt' || type === 'iTXt') && EXIF_TEXT_KEYWORDS.includes(textKeyword(data))) {
      eligible = false;
    }
    // Stop early only once the file is known to go elsewhere: sharp will read (and judge) it itself.
    if (!eligible) return undefined;
    pos = dataEnd + 4;
  }
  if (idat.length === 0) fail('no IDAT chunk');
  if (!sawIend) fail('no IEND chunk: the file is truncated');
  return { width, height, zdata: idat.length === 1 ? idat[0]! : Buffer.concat(idat) };
}

/** Filtered scanlines: one filter-type byte, then `width` samples, per row. */
function rawSize(source: PngGray8Source): number {
  return source.height * (source.width + 1);
}

/**
 * One output chunk that holds the whole image plus a byte: zlib then finishes in one call. With exactly
 * rawSize, the full buffer makes Node allocate a second chunk and call zlib again just to see the stream end.
 */
function inflateChunk(source: PngGray8Source): number {
  return Math.max(64, rawSize(source) + 1);
}

function inflateError(err: unknown, file: string): DataError {
  return new DataError(`${file}: corrupt PNG (image data does not inflate: ${(err as Error).message})`, { file });
}

/**
 * Undoes the five PNG row filters (None, Sub, Up, Average, Paeth) for one byte per pixel, into `out` when given
 * (at least width * height bytes; a caller's reusable buffer) or a new array. The previous row is read back from
 * the output, so the whole image is one pass over memory. Each filter is its own small function so V8 optimises
 * the loops separately; the left and upper-left neighbours are carried in locals. Two consecutive rows with the
 * same filter (Paeth or Average, the filters encoders pick most on X-rays) are undone together (see unPaeth2).
 */
export function unfilterGray8(raw: Uint8Array, width: number, height: number, file: string, out?: Uint8Array): Uint8Array {
  const stride = width + 1;
  if (raw.length < height * stride) {
    throw new DataError(`${file}: corrupt PNG (image data is ${raw.length} bytes, expected ${height * stride}: truncated)`, { file });
  }
  const n = width * height;
  if (out && out.length < n) throw new RangeError(`unfilterGray8: output buffer of ${out.length} bytes, need ${n}`);
  const dst = out ?? new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * stride]!;
    const r = y * stride + 1;
    const o = y * width;
    if (y > 0 && y + 1 < height && (filter === 4 || filter === 3) && raw[(y + 1) * stride] === filter) {
      if (filter === 4) unPaeth2(raw, dst, r, o, width);
      else unAverage2(raw, dst, r, o, width);
      y++;
      continue;
    }
    // Row 0 has an all-zero row above it: Up is None, Paeth is Sub, Average halves the left neighbour only.
    if (filter === 0 || (filter === 2 && y === 0)) dst.set(raw.subarray(r, r + width), o);
    else if (filter === 1 || (filter === 4 && y === 0)) unSub(raw, dst, r, o, width);
    else if (filter === 2) unUp(raw, dst, r, o, width);
    else if (filter === 3) {
      if (y === 0) unAverageFirst(raw, dst, r, width);
      else unAverage(raw, dst, r, o, width);
    } else if (filter === 4) unPaeth(raw, dst, r, o, width);
    else throw new DataError(`${file}: corrupt PNG (row ${y} has unknown filter type ${filter})`, { file });
  }
  return dst;
}

function unSub(raw: Uint8Array, out: Uint8Array, r: number, o: number, width: number): void {
  let a = 0;
  for (let x = 0; x < width; x++) {
    a = (raw[r + x]! + a) & 255;
    out[o + x] = a;
  }
}

function unUp(raw: Uint8Array, out: Uint8Array, r: number, o: number, width: number): void {
  const p = o - width;
  for (let x = 0; x < width; x++) out[o + x] = raw[r + x]! + out[p + x]!;
}

function unAverageFirst(raw: Uint8Array, out: Uint8Array, r: number, width: number): void {
  let a = 0;
  for (let x = 0; x < width; x++) {
    a = (raw[r + x]! + (a >> 1)) & 255;
    out[x] = a;
  }
}

function unAverage(raw: Uint8Array, out: Uint8Array, r: number, o: number, width: number): void {
  const p = o - width;
  let a = 0;
  for (let x = 0; x < width; x++) {
    a = (raw[r + x]! + ((a + out[p + x]!) >> 1)) & 255;
    out[o + x] = a;
  }
}

/** Two consecutive Average rows, the second one pixel behind the first (as unPaeth2). */
function unAverage2(raw: Uint8Array, out: Uint8Array, r: number, o: number, width: number): void {
  const p = o - width;
  const r2 = r + width + 1;
  const o2 = o + width;
  let a = (raw[r]! + (out[p]! >> 1)) & 255;
  out[o] = a;
  let a2 = 0;
  for (let x = 1; x < width; x++) {
    a = (raw[r + x]! + ((a + out[p + x]!) >> 1)) & 255;
    out[o + x] = a;
    a2 = (raw[r2 + x - 1]! + ((a2 + out[o + x - 1]!) >> 1)) & 255;
    out[o2 + x - 1] = a2;
  }
  out[o2 + width - 1] = raw[r2 + width - 1]! + ((a2 + out[o + width - 1]!) >> 1);
}

/**
 * The Paeth predictor without branches: on X-ray texture the choice between a, b and c is close to random, and
 * mispredicted branches cost more than the arithmetic. This is stb_image's formulation (equivalent to the
 * spec's, ties included; the tests check all 2^24 inputs): with lo/hi the smaller/larger of a and b and
 * t = 3c - a - b, the prediction is hi if t <= lo, else lo if hi <= t, else c. `c3` is 3 * c, computed off the
 * dependency chain through `a`. Masks are -1 or 0, from the sign bit of a difference.
 */
export function paeth(a: number, b: number, c: number, c3: number): number {
  const d = a - b;
  const dm = d & (d >> 31); // a - b when a < b, else 0
  const lo = b + dm;
  const hi = a - dm;
  const t = c3 - a - b;
  const cUnlessLo = (t - hi) >> 31; // -1 when hi > t: c, not lo
  const t0 = lo ^ ((lo ^ c) & cUnlessLo);
  const notHi = (lo - t) >> 31; // -1 when t > lo: not hi
  return hi ^ ((hi ^ t0) & notHi);
}

function unPaeth(raw: Uint8Array, out: Uint8Array, r: number, o: number, width: number): void {
  const p = o - width;
  let a = 0;
  let c = 0;
  for (let x = 0; x < width; x++) {
    const b = out[p + x]!;
    a = (raw[r + x]! + paeth(a, b, c, 3 * c)) & 255;
    out[o + x] = a;
    c = b;
  }
}

/**
 * Two consecutive Paeth rows at once, the second one pixel behind the first (it needs the pixels above and
 * above-left). Each row is one long dependency chain through its left neighbour; interleaving two chains lets
 * the CPU overlap them, which nearly halves the time of this, the most common filter in CXR PNGs.
 */
function unPaeth2(raw: Uint8Array, out: Uint8Array, r: number, o: number, width: number): void {
  const p = o - width;
  const r2 = r + width + 1;
  const o2 = o + width;
  let a = (raw[r]! + out[p]!) & 255; // x = 0: a = c = 0, so Paeth predicts b
  out[o] = a;
  let c = out[p]!;
  let a2 = 0;
  let c2 = 0;
  for (let x = 1; x < width; x++) {
    const b = out[p + x]!;
    a = (raw[r + x]! + paeth(a, b, c, 3 * c)) & 255;
    out[o + x] = a;
    c = b;
    const b2 = out[o + x - 1]!;
    a2 = (raw[r2 + x - 1]! + paeth(a2, b2, c2, 3 * c2)) & 255;
    out[o2 + x - 1] = a2;
    c2 = b2;
  }
  const b2 = out[o + width - 1]!;
  out[o2 + width - 1] = raw[r2 + width - 1]! + paeth(a2, b2, c2, 3 * c2);
}

/** The filtered scanlines of `source`, inflated on the calling thread. */
export function inflateGray8(source: PngGray8Source, file: string): Uint8Array {
  try {
    return zlib.inflateSync(source.zdata, { chunkSize: inflateChunk(source) });
  } catch (err) {
    throw inflateError(err, file);
  }
}

/**
 * Unfilters with the WebAssembly kernel (gray8-wasm.ts) when it is available: `raw` is copied to the start of
 * the kernels' memory and the pixels land right after it. Returns a view into that memory, valid until the next
 * use of the kernels (the next decode or resize on this thread); undefined when there is no kernel (or the image
 * is too large for it): use unfilterGray8 then.
 */
export function unfilterInKernelMemory(raw: Uint8Array, width: number, height: number, file: string): Uint8Array | undefined {
  const k = gray8Kernels();
  const rawLen = height * (width + 1);
  const outAt = align16(rawLen + PAD);
  const end = outAt + width * height + PAD;
  if (!k || end > 1 << 30) return undefined;
  if (raw.length < rawLen) unfilterGray8(raw, width, height, file); // throws the truncation error
  const mem = kernelMemory(k, end);
  mem.set(raw.subarray(0, rawLen), 0);
  const bad = k.unfilter(0, width, height, outAt);
  if (bad !== 0) {
    const y = bad - 1;
    throw new DataError(`${file}: corrupt PNG (row ${y} has unknown filter type ${raw[y * (width + 1)]})`, { file });
  }
  return mem.subarray(outAt, outAt + width * height);
}

/** Decodes on the calling thread (zlib `inflateSync`); `undefined` when the file is not an eligible PNG. */
export function decodePngGray8Sync(bytes: Uint8Array, file: string): GrayImage | undefined {
  const source = readPngGray8(bytes, file);
  if (!source) return undefined;
  const raw = inflateGray8(source, file);
  const { width, height } = source;
  const pixels = unfilterInKernelMemory(raw, width, height, file);
  return { width, height, data: pixels ? pixels.slice() : unfilterGray8(raw, width, height, file) };
}

/** Images up to this many pixels decode into one reused buffer (decodePngGray8Transient); larger ones get their own. */
const MAX_SCRATCH = 1 << 22;
let scratch = new Uint8Array(0);

/**
 * As decodePngGray8Sync, but the pixels are a view into memory that the next decode or resize on this thread
 * overwrites (the WebAssembly kernels' memory, or a reused buffer): for callers that consume the image at once,
 * like the pipeline, which resizes it into a new array right away. resize.ts reads such an image where it lies.
 */
export function decodePngGray8Transient(bytes: Uint8Array, file: string): GrayImage | undefined {
  const source = readPngGray8(bytes, file);
  if (!source) return undefined;
  const raw = inflateGray8(source, file);
  const { width, height } = source;
  const pixels = unfilterInKernelMemory(raw, width, height, file);
  if (pixels) return { width, height, data: pixels };
  const n = width * height;
  let out: Uint8Array | undefined;
  if (n <= MAX_SCRATCH) {
    if (scratch.length < n) scratch = new Uint8Array(n);
    out = scratch.subarray(0, n);
  }
  return { width, height, data: unfilterGray8(raw, width, height, file, out) };
}

const inflateAsync = promisify(zlib.inflate) as (buf: zlib.InputType, options: zlib.ZlibOptions) => Promise<Buffer>;

/**
 * As decodePngGray8Sync, but inflates on libuv's thread pool, so that with several images in flight one core
 * can inflate while the main thread unfilters and resizes the others. The pipeline uses the sync variant: on
 * the dev machine this one cost more CPU (stream set-up per call) without being faster; bench/image-decode.ts
 * measures both.
 */
export async function decodePngGray8(bytes: Uint8Array, file: string): Promise<GrayImage | undefined> {
  const source = readPngGray8(bytes, file);
  if (!source) return undefined;
  let raw: Uint8Array;
  try {
    raw = await inflateAsync(source.zdata, { chunkSize: inflateChunk(source) });
  } catch (err) {
    throw inflateError(err, file);
  }
  const { width, height } = source;
  const pixels = unfilterInKernelMemory(raw, width, height, file);
  return { width, height, data: pixels ? pixels.slice() : unfilterGray8(raw, width, height, file) };
}
