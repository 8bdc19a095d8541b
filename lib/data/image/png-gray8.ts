import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { DataError } from '../../errors';
import type { GrayImage } from './decode';

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

function inflateError(err: unknown, file: string): DataError {
  return new DataError(`${file}: corrupt PNG (image data does not inflate: ${(err as Error).message})`, { file });
}

/**
 * Undoes the five PNG row filters (None, Sub, Up, Average, Paeth) for one byte per pixel. The previous row is
 * read back from the output, so the whole image is one pass over memory. Each filter is its own small function
 * so V8 optimises the loops separately; the left and upper-left neighbours are carried in locals.
 */
export function unfilterGray8(raw: Uint8Array, width: number, height: number, file: string): Uint8Array {
  const stride = width + 1;
  if (raw.length < height * stride) {
    throw new DataError(`${file}: corrupt PNG (image data is ${raw.length} bytes, expected ${height * stride}: truncated)`, { file });
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * stride]!;
    if (filter === 4 && y > 0 && y + 1 < height && raw[(y + 1) * stride] === 4) {
      unPaeth2(raw, out, y * stride + 1, y * width, width);
      y++;
      continue;
    }
    const r = y * stride + 1;
    const o = y * width;
    // Row 0 has an all-zero row above it: Up is None, Paeth is Sub, Average halves the left neighbour only.
    if (filter === 0 || (filter === 2 && y === 0)) out.set(raw.subarray(r, r + width), o);
    else if (filter === 1 || (filter === 4 && y === 0)) unSub(raw, out, r, o, width);
    else if (filter === 2) unUp(raw, out, r, o, width);
    else if (filter === 3) {
      if (y === 0) unAverageFirst(raw, out, r, width);
      else unAverage(raw, out, r, o, width);
    } else if (filter === 4) unPaeth(raw, out, r, o, width);
    else throw new DataError(`${file}: corrupt PNG (row ${y} has unknown filter type ${filter})`, { file });
  }
  return out;
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

/**
 * The Paeth predictor without branches: on X-ray texture the choice between a, b and c is close to random, and
 * mispredicted branches cost more than the arithmetic. Masks are -1 or 0, from the sign bit of a difference.
 * Ties go to a, then b, as the PNG spec requires.
 */
function paeth(a: number, b: number, c: number): number {
  const d1 = b - c; // p - a, where p = a + b - c
  const d2 = a - c; // p - b
  const d3 = d1 + d2; // p - c
  const m1 = d1 >> 31;
  const m2 = d2 >> 31;
  const m3 = d3 >> 31;
  const pa = (d1 ^ m1) - m1;
  const pb = (d2 ^ m2) - m2;
  const pc = (d3 ^ m3) - m3;
  const notA = ((pb - pa) | (pc - pa)) >> 31; // -1 unless pa <= pb and pa <= pc
  const useC = (pc - pb) >> 31; // -1 when pc < pb
  return (a & ~notA) | (((b & ~useC) | (c & useC)) & notA);
}

function unPaeth(raw: Uint8Array, out: Uint8Array, r: number, o: number, width: number): void {
  const p = o - width;
  let a = 0;
  let c = 0;
  for (let x = 0; x < width; x++) {
    const b = out[p + x]!;
    a = (raw[r + x]! + paeth(a, b, c)) & 255;
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
  let a = 0;
  let c = 0;
  let a2 = 0;
  let c2 = 0;
  a = (raw[r]! + paeth(0, out[p]!, 0)) & 255;
  out[o] = a;
  c = out[p]!;
  for (let x = 1; x < width; x++) {
    const b = out[p + x]!;
    a = (raw[r + x]! + paeth(a, b, c)) & 255;
    out[o + x] = a;
    c = b;
    const b2 = out[o + x - 1]!;
    a2 = (raw[r2 + x - 1]! + paeth(a2, b2, c2)) & 255;
    out[o2 + x - 1] = a2;
    c2 = b2;
  }
  const b2 = out[o + width - 1]!;
  out[o2 + width - 1] = raw[r2 + width - 1]! + paeth(a2, b2, c2);
}

/** Decodes on the calling thread (zlib `inflateSync`); `undefined` when the file is not an eligible PNG. */
export function decodePngGray8Sync(bytes: Uint8Array, file: string): GrayImage | undefined {
  const source = readPngGray8(bytes, file);
  if (!source) return undefined;
  let raw: Uint8Array;
  try {
    raw = zlib.inflateSync(source.zdata, { chunkSize: Math.max(64, rawSize(source)) });
  } catch (err) {
    throw inflateError(err, file);
  }
  return { width: source.width, height: source.height, data: unfilterGray8(raw, source.width, source.height, file) };
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
    raw = await inflateAsync(source.zdata, { chunkSize: Math.max(64, rawSize(source)) });
  } catch (err) {
    throw inflateError(err, file);
  }
  return { width: source.width, height: source.height, data: unfilterGray8(raw, source.width, source.height, file) };
}
