import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createBatchSource, createDecodePool, DEFAULT_RANDOM_RESIZED_CROP, loadDataset, type Batch, type ImagePipelineOptions } from '../../lib/data';
import { decodeAndFit, decodeAndFitNow, decodeAndFitTraced } from '../../lib/data/image/pipeline';
import { DataError } from '../../lib/errors';
import { COVID_ROOT, tempDir } from './helpers';

const tmp = tempDir('decode-pool');
afterAll(() => tmp.cleanup());

const COVID_IMAGES = path.join(COVID_ROOT, 'images');
const haveCovid = existsSync(COVID_IMAGES);
if (!haveCovid) console.warn(`decode-pool: ${COVID_IMAGES} not found; skipping the tests on the real COVID images`);

const bytesOf = (a: Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('decode pool', () => {
  it.runIf(haveCovid)('matches in-thread decodeAndFit bit for bit on COVID PNGs, every fit', async () => {
    const files = readdirSync(COVID_IMAGES).sort().slice(0, 6).map((f) => path.join(COVID_IMAGES, f));
    const pool = createDecodePool({ threads: 2 });
    try {
      for (const fit of ['stretch', 'pad-white', 'center-crop'] as const) {
        const pooled = await Promise.all(files.map((f) => pool.decode(f, 224, fit)));
        for (const [i, f] of files.entries()) {
          const local = await decodeAndFit(f, 224, fit);
          expect(pooled[i]!.length).toBe(224 * 224);
          expect(bytesOf(pooled[i]!).equals(bytesOf(local)), `${f} ${fit}`).toBe(true);
        }
      }
    } finally {
      await pool.close();
    }
  });

  it('matches in-thread decodeAndFit on an RGB PNG (the sharp fallback path)', async () => {
    const file = path.join(tmp.dir, 'rgb.png');
    const w = 61;
    const h = 47;
    const rgb = new Uint8Array(w * h * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37 + (i % 3) * 91) % 256;
    await sharp(Buffer.from(rgb), { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
    expect((await decodeAndFitTraced(file, 32, 'pad-white')).decoder).toBe('sharp');
    const pool = createDecodePool({ threads: 1 });
    try {
      const pooled = await pool.decode(file, 32, 'pad-white');
      expect(bytesOf(pooled).equals(bytesOf(await decodeAndFit(file, 32, 'pad-white')))).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('rejects a missing file and a corrupt PNG with a DataError naming the file, and keeps working', async () => {
    const missing = path.join(tmp.dir, 'missing.png');
    const corrupt = path.join(tmp.dir, 'corrupt.png');
    // A PNG signature and an IHDR-looking start, then garbage.
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000000dIHDR garbage garbage garbage')]));
    const good = path.join(tmp.dir, 'good.png');
    await sharp(Buffer.alloc(16 * 16, 100), { raw: { width: 16, height: 16, channels: 1 } }).toColourspace('b-w').png().toFile(good);
    const pool = createDecodePool({ threads: 2 });
    try {
      for (const file of [missing, corrupt]) {
        const local = (await decodeAndFit(file, 8, 'stretch').catch((e: unknown) => e)) as Error;
        const pooled = (await pool.decode(file, 8, 'stretch').catch((e: unknown) => e)) as Error;
        expect(local).toBeInstanceOf(DataError);
        expect(pooled).toBeInstanceOf(DataError);
        expect(pooled.message).toBe(local.message);
        expect(pooled.message).toContain(file);
        expect((pooled as DataError).details.file).toBe(file);
      }
      expect(Array.from(await pool.decode(good, 8, 'stretch'))).toEqual(new Array(64).fill(100));
    } finally {
      await pool.close();
    }
    await expect(pool.decode(good, 8, 'stretch')).rejects.toThrow(/closed/);
  });

  it('answers a batch of requests made in one tick, each with its own result or error, in any mix', async () => {
    const gray = path.join(tmp.dir, 'batch-gray.png');
    const rgb = path.join(tmp.dir, 'batch-rgb.png');
    const missing = path.join(tmp.dir, 'batch-missing.png');
    const corrupt = path.join(tmp.dir, 'batch-corrupt.png');
    const px = Buffer.alloc(40 * 30);
    for (let i = 0; i < px.length; i++) px[i] = (i * 7) % 251;
    await sharp(px, { raw: { width: 40, height: 30, channels: 1 } }).toColourspace('b-w').png().toFile(gray);
    await sharp(Buffer.alloc(40 * 30 * 3, 90), { raw: { width: 40, height: 30, channels: 3 } }).png().toFile(rgb);
    writeFileSync(corrupt, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000000dIHDR garbage')]));
    // Fast-path, sharp-path (answered later, asynchronously) and failing files interleaved, all in one tick.
    const files = Array.from({ length: 24 }, (_, i) => [gray, rgb, missing, gray, corrupt][i % 5]!);
    const fits = ['stretch', 'pad-white', 'center-crop'] as const;
    const pool = createDecodePool({ threads: 2 });
    try {
      const pooled = await Promise.allSettled(files.map((f, i) => pool.decode(f, 16 + (i % 3), fits[i % 3]!)));
      for (const [i, f] of files.entries()) {
        const local = await decodeAndFit(f, 16 + (i % 3), fits[i % 3]!).then(
          (v) => ({ status: 'fulfilled' as const, value: v }),
          (e: unknown) => ({ status: 'rejected' as const, reason: e as Error }),
        );
        const got = pooled[i]!;
        expect(got.status, `${i} ${f}`).toBe(local.status);
        if (got.status === 'fulfilled' && local.status === 'fulfilled') expect(bytesOf(got.value).equals(bytesOf(local.value)), `${i} ${f}`).toBe(true);
        if (got.status === 'rejected' && local.status === 'rejected') {
          expect(got.reason).toBeInstanceOf(DataError);
          expect((got.reason as Error).message).toBe(local.reason.message);
        }
      }
    } finally {
      await pool.close();
    }
  });

  it.runIf(haveCovid)('decodeAndFitNow (the workers\' synchronous read) gives decodeAndFitTraced\'s result', async () => {
    const files = readdirSync(COVID_IMAGES).sort().slice(0, 5).map((f) => path.join(COVID_IMAGES, f));
    for (const f of files) {
      const now = await decodeAndFitNow(f, 224, 'center-crop');
      const traced = await decodeAndFitTraced(f, 224, 'center-crop');
      expect(now.decoder).toBe(traced.decoder);
      expect(bytesOf(now.pixels).equals(bytesOf(traced.pixels)), f).toBe(true);
    }
    expect(() => decodeAndFitNow(path.join(tmp.dir, 'nope.png'), 8, 'stretch')).toThrow(DataError);
  });

  it.runIf(haveCovid)('createBatchSource yields the same batches with decodeThreads 2 as in-thread', async () => {
    const ds = await loadDataset('covid-cohen', { root: COVID_ROOT });
    const items = ds.items.slice(0, 20);
    const pipeline: ImagePipelineOptions = {
      size: 64,
      channels: 3,
      fit: 'pad-white',
      normalize: 'imagenet',
      augment: { randomResizedCrop: DEFAULT_RANDOM_RESIZED_CROP, horizontalFlip: true },
    };
    const collect = async (decodeThreads: number): Promise<Batch[]> => {
      const source = createBatchSource(ds, items, { batchSize: 8, shuffle: true, seed: 3, pipeline, cache: false, decodeThreads });
      const out: Batch[] = [];
      for await (const b of source.batches(1)) out.push(b);
      return out;
    };
    const local = await collect(0);
    const pooled = await collect(2);
    expect(pooled.map((b) => b.ids)).toEqual(local.map((b) => b.ids));
    for (const [i, b] of pooled.entries()) {
      expect(Buffer.from(b.x.buffer).equals(Buffer.from(local[i]!.x.buffer))).toBe(true);
      expect(Array.from(b.y)).toEqual(Array.from(local[i]!.y));
    }
  });
});
