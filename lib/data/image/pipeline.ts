import { readFile as readFileCallback, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DataError } from '../../errors';
import { createRng, deriveSeed } from '../../util/random';
import { canonicalJson, sha256Hex } from '../../util/hash';
import type { ImagePipelineOptions, ImageRef } from '../types';
import { cropAndResize, flipHorizontal, randomResizedCropBox } from './augment';
import type { ImageCache } from './cache';
import type { DecodePool } from './decode-pool';
import { decodeToGray, type GrayImage } from './decode';
import { type Fit, fitGray8File, fitSquare, isPlainGray8 } from './fit';
import { decodePngGray8Transient } from '../../kernels/image/png-gray8';
import { fitSquareGray8 } from '../../kernels/image/resize';

/**
 * Bump when anything that shapes cached pixels changes, so old cache entries are never reused.
 * 2: 8-bit gray PNGs and the default fit kernel moved from libvips 'linear' to PIL BILINEAR (resize.ts).
 */
export const PIPELINE_VERSION = 2;

/** Side of the smallest source torchvision-style training crops are taken from. */
export const TRAIN_BASE_MIN_SIDE = 256;

/**
 * Side of the cached square an item is stored at. Evaluation reads it as is (side = size). Random resized crops
 * need more pixels than the output, so training crops come from a square of side max(size, 256): for the
 * paper's 224 that is the same 256 its eval Resize(256) uses, and CheXpert-small images are ~320 px anyway.
 */
export function baseSide(pipeline: ImagePipelineOptions): number {
  return pipeline.augment?.randomResizedCrop ? Math.max(pipeline.size, TRAIN_BASE_MIN_SIDE) : pipeline.size;
}

/** Cache key for a file: path + size + mtime identify the source bytes without reading them. */
export async function imageCacheKey(file: string, side: number, fit: Fit): Promise<string> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new DataError(`${file}: image file is missing or unreadable`, { file });
  }
  return sha256Hex(canonicalJson({ v: PIPELINE_VERSION, path: path.resolve(file), bytes: info.size, mtimeMs: info.mtimeMs, side, fit }));
}

function grayFromMemory(ref: Extract<ImageRef, { kind: 'memory' }>): GrayImage {
  if (ref.channels === 1) return { width: ref.width, height: ref.height, data: ref.data };
  const n = ref.width * ref.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = i * 3;
    out[i] = (ref.data[p]! * 19595 + ref.data[p + 1]! * 38470 + ref.data[p + 2]! * 7471 + 0x8000) >>> 16;
  }
  return { width: ref.width, height: ref.height, data: out };
}

/**
 * The item's gray square of side `side` after `fit`: from the disk cache when present, else decoded (and then
 * cached) on the calling thread, or by `pool` when one is given. Memory images are fitted directly; they never
 * touch the disk cache or the pool.
 */
export async function loadBaseImage(ref: ImageRef, side: number, fit: Fit, cache?: ImageCache, pool?: DecodePool): Promise<Uint8Array> {
  if (ref.kind === 'memory') return fitSquare(grayFromMemory(ref), side, fit);
  const key = cache ? await imageCacheKey(ref.path, side, fit) : undefined;
  if (cache && key) {
    const hit = await cache.get(key, side * side);
    if (hit) return hit;
  }
  const fitted = pool ? await pool.decode(ref.path, side, fit) : await decodeAndFit(ref.path, side, fit);
  if (cache) cache.stats.decodes++;
  if (cache && key) await cache.put(key, fitted);
  return fitted;
}

/**
 * Which decoder produced an image: the JS fast path for plain 8-bit gray PNGs (png-gray8.ts + resize.ts),
 * libvips in one decode+resize pass for other 8-bit gray files (gray JPEG; gray PNG that is interlaced or has
 * EXIF, an ICC profile or tRNS), or the general sharp decode (colour, alpha, 16-bit) followed by fitSquare.
 */
export type DecodePath = 'png-gray8' | 'sharp-gray8' | 'sharp';

export interface FittedImage {
  pixels: Uint8Array;
  decoder: DecodePath;
}

/** The callback readFile: about half the CPU of fs/promises' readFile per small file, and still off-thread. */
const readImageFile = promisify(readFileCallback);

function unreadable(file: string, err: unknown): DataError {
  return new DataError(`${file}: image file is missing or unreadable (${(err as Error).message})`, { file });
}

/**
 * Decodes a file to a gray square and says which decoder did it (see DecodePath).
 * The fast path inflates on the calling thread: measured on the 271 COVID PNGs with 8 images in flight, the
 * thread-pool `inflate` cost ~0.1 ms more CPU per image than `inflateSync` and was not faster in wall time on
 * the (loaded, 2-core) dev machine; `decodePngGray8` in png-gray8.ts is the thread-pool variant.
 */
export async function decodeAndFitTraced(file: string, side: number, fit: Fit): Promise<FittedImage> {
  let bytes: Buffer;
  try {
    bytes = await readImageFile(file);
  } catch (err) {
    throw unreadable(file, err);
  }
  return fitImageBytes(bytes, file, side, fit);
}

/**
 * decodeAndFitTraced for threads that may block: the file is read synchronously and a fast-path PNG is decoded
 * and fitted before returning, so the result is a value; only files sharp decodes give a promise. The decode
 * pool's workers use it to answer a whole batch of requests in one message.
 */
export function decodeAndFitNow(file: string, side: number, fit: Fit): FittedImage | Promise<FittedImage> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw unreadable(file, err);
  }
  return fitImageBytes(bytes, file, side, fit);
}

/** The decoder choice of decodeAndFitTraced on a file's bytes: synchronous on the fast path. */
function fitImageBytes(bytes: Buffer, file: string, side: number, fit: Fit): FittedImage | Promise<FittedImage> {
  // The decoded pixels live in a reused buffer; fitSquareGray8 always writes its result to a new array.
  const gray = decodePngGray8Transient(bytes, file);
  if (gray) return { pixels: fitSquareGray8(gray, side, fit), decoder: 'png-gray8' };
  return fitWithSharp(bytes, file, side, fit);
}

async function fitWithSharp(bytes: Buffer, file: string, side: number, fit: Fit): Promise<FittedImage> {
  if (isPlainGray8(bytes)) {
    try {
      return { pixels: await fitGray8File(bytes, side, fit), decoder: 'sharp-gray8' };
    } catch (err) {
      throw new DataError(`${file}: image cannot be decoded (${(err as Error).message})`, { file });
    }
  }
  return { pixels: await fitSquare(await decodeToGray(bytes, file), side, fit), decoder: 'sharp' };
}

/** Decodes a file to a gray square (what the pipeline does on a cache miss). */
export async function decodeAndFit(file: string, side: number, fit: Fit): Promise<Uint8Array> {
  return (await decodeAndFitTraced(file, side, fit)).pixels;
}

/** Where an item's augmentation randomness comes from: fixed by (seed, epoch, item id), not by visiting order. */
export interface AugmentContext {
  seed: number;
  epoch: number;
  itemId: string;
}

/**
 * The model-ready gray image (size x size, uint8) for one item: the cached base, then, for training, a
 * torchvision-style random resized crop and horizontal flip (in that order, as in the paper's transforms).
 */
export async function loadPipelineImage(
  ref: ImageRef,
  pipeline: ImagePipelineOptions,
  cache: ImageCache | undefined,
  augment?: AugmentContext,
  pool?: DecodePool,
): Promise<Uint8Array> {
  const side = baseSide(pipeline);
  const base = await loadBaseImage(ref, side, pipeline.fit, cache, pool);
  const aug = pipeline.augment;
  if (!aug || (!aug.randomResizedCrop && !aug.horizontalFlip)) return base;
  if (!augment) {
    // Evaluation with a training pipeline: no randomness, just the central view at the output size.
    return side === pipeline.size ? base : fitSquare({ width: side, height: side, data: base }, pipeline.size, 'stretch');
  }
  const rng = createRng(deriveSeed(augment.seed, 'augment', augment.epoch, augment.itemId));
  let out = base;
  if (aug.randomResizedCrop) {
    const box = randomResizedCropBox(side, side, aug.randomResizedCrop.scale, aug.randomResizedCrop.ratio, rng);
    out = await cropAndResize(base, side, box, pipeline.size);
  } else if (side !== pipeline.size) {
    out = await fitSquare({ width: side, height: side, data: base }, pipeline.size, 'stretch');
  }
  if (aug.horizontalFlip && rng.next() < 0.5) out = flipHorizontal(out, pipeline.size);
  return out;
}

/** torchvision's defaults for RandomResizedCrop. */
export const DEFAULT_RANDOM_RESIZED_CROP = { scale: [0.08, 1] as [number, number], ratio: [3 / 4, 4 / 3] as [number, number] };
