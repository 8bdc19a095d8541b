import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';

/** The shared data folder (../shared from the repo root, or RETHINK_SHARED). */
export const SHARED = process.env.RETHINK_SHARED ?? path.resolve(__dirname, '../../../shared');
export const COVID_ROOT = path.join(SHARED, 'data', 'covid-chestxray-cohen-256');

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rethink-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes an 8-bit grayscale PNG from row-major pixels. */
export async function writeGrayPng(file: string, width: number, height: number, pixels: ArrayLike<number>): Promise<void> {
  await sharp(Buffer.from(Uint8Array.from(pixels)), { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toFile(file);
}

/** A small gray PNG whose pixel values depend on `seed`, so different files decode differently. */
export async function writePatternPng(file: string, width: number, height: number, seed: number): Promise<void> {
  const px = new Uint8Array(width * height);
  for (let i = 0; i < px.length; i++) px[i] = (i * 7 + seed * 31) % 256;
  await writeGrayPng(file, width, height, px);
}

/** Serialises a C-ordered array as .npy v1 (as numpy.save does). */
export function npyBytes(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}
