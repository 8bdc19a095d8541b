import sharp from 'sharp';
import { DataError } from '../../errors';

/** A single-channel 8-bit image, row-major. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes any image sharp reads (PNG/JPEG, 8 or 16 bit, gray/RGB/palette, with or without alpha) into 8-bit
 * grayscale, the same way the prepared COVID set was built (see its README, "Processing"):
 * - EXIF orientation is applied;
 * - alpha is composited onto black;
 * - colour uses PIL's `convert("L")` luma (ITU-R 601-2, integer weights 19595/38470/7471 >> 16), not libvips'
 *   b-w conversion, so a colour figure maps to the same grey values as in Python pipelines;
 * - 16-bit images are min-max scaled to 0..255 per image (many 16-bit CXR PNGs use only 12 bits, so a fixed
 *   /257 would leave them nearly black).
 * `label` names the input in errors (a file path, or e.g. a URL for downloaded bytes).
 */
export async function decodeToGray(input: string | Buffer | Uint8Array, label = typeof input === 'string' ? input : 'image'): Promise<GrayImage> {
  try {
    const meta = await sharp(input).metadata();
    const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
    let pipeline = sharp(input).rotate();
    // Without an explicit 16-bit colourspace libvips converts to 8-bit sRGB first, even for ushort output.
    if (sixteen) pipeline = pipeline.toColourspace((meta.channels ?? 1) <= 2 ? 'grey16' : 'rgb16');
    const { data, info } = await pipeline.raw(sixteen ? { depth: 'ushort' } : undefined).toBuffer({ resolveWithObject: true });
    const { width, height, channels } = info;
    const n = width * height;
    if (!sixteen) return { width, height, data: toGray8(new Uint8Array(data.buffer, data.byteOffset, data.length), n, channels) };
    const wide = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length));
    return { width, height, data: minMaxTo8(toGray16(wide, n, channels)) };
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(`${label}: image cannot be decoded (${(err as Error).message})`, { file: label });
  }
}

/** PIL's L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16. */
function luma8(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

function toGray8(src: Uint8Array, n: number, channels: number): Uint8Array {
  if (channels === 1) return src;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = i * channels;
    if (channels === 2) {
      out[i] = Math.round((src[p]! * src[p + 1]!) / 255);
    } else {
      let r = src[p]!;
      let g = src[p + 1]!;
      let b = src[p + 2]!;
      if (channels === 4) {
        const a = src[p + 3]!;
        r = Math.round((r * a) / 255);
        g = Math.round((g * a) / 255);
        b = Math.round((b * a) / 255);
      }
      out[i] = luma8(r, g, b);
    }
  }
  return out;
}

function toGray16(src: Uint16Array, n: number, channels: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = i * channels;
    if (channels === 1) out[i] = src[p]!;
    else if (channels === 2) out[i] = (src[p]! * src[p + 1]!) / 65535;
    else {
      const a = channels === 4 ? src[p + 3]! / 65535 : 1;
      out[i] = (0.299 * src[p]! + 0.587 * src[p + 1]! + 0.114 * src[p + 2]!) * a;
    }
  }
  return out;
}

function minMaxTo8(values: Float64Array): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Uint8Array(values.length);
  if (!(hi > lo)) return out;
  const range = hi - lo;
  for (let i = 0; i < values.length; i++) out[i] = Math.round(((values[i]! - lo) * 255) / range);
  return out;
}
