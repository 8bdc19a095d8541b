import { utimesSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createBatchSource,
  decodeToGray,
  fitSquare,
  ImageCache,
  loadDataset,
  loadPipelineImage,
  randomResizedCropBox,
  type Batch,
  type Dataset,
  type ImagePipelineOptions,
} from '../../lib/data';
import { roundHalfEven } from '../../lib/data/image/augment';
import { NORMALIZATION } from '../../lib/data/image/normalize';

const IMAGENET_MEAN = NORMALIZATION.imagenet.mean;
const IMAGENET_STD = NORMALIZATION.imagenet.std;
const CAFFE_MEAN_BGR = NORMALIZATION.caffe.mean;
import { decodeAndFit } from '../../lib/data/image/pipeline';
import { DataError } from '../../lib/errors';
import { createRng } from '../../lib/util/random';
import { COVID_ROOT, tempDir, writeGrayPng } from './helpers';

const tmp = tempDir('pipeline');
afterAll(() => tmp.cleanup());

const eval4 = (normalize: ImagePipelineOptions['normalize'], channels: 1 | 3 = 3): ImagePipelineOptions => ({ size: 4, channels, fit: 'stretch', normalize });

async function oneBatch(ds: Dataset, pipeline: ImagePipelineOptions): Promise<Batch> {
  const source = createBatchSource(ds, ds.items, { batchSize: ds.items.length, shuffle: false, seed: 0, pipeline, cache: false });
  for await (const b of source.batches(0)) return b;
  throw new Error('no batch');
}

describe('decode and fit', () => {
  const values = [0, 1, 64, 127, 128, 200, 254, 255, 10, 20, 30, 40, 50, 60, 70, 80];

  it('normalises exactly: imagenet mean/std, caffe BGR means, minus-one-one, unit', async () => {
    const file = path.join(tmp.dir, 'values.png');
    await writeGrayPng(file, 4, 4, values);
    const ds: Dataset = { id: 't', title: 't', labelNames: ['a'], items: [{ id: 'v', image: { kind: 'file', path: file }, labels: [1] }], synthetic: false, contentHash: '', skipped: [] };
    const imagenet = await oneBatch(ds, eval4('imagenet'));
    const caffe = await oneBatch(ds, eval4('caffe'));
    const mm = await oneBatch(ds, eval4('minus-one-one', 1));
    const unit = await oneBatch(ds, eval4('unit', 1));
    expect([imagenet.height, imagenet.width, imagenet.channels, imagenet.x.length]).toEqual([4, 4, 3, 48]);
    values.forEach((v, i) => {
      for (let c = 0; c < 3; c++) {
        expect(imagenet.x[i * 3 + c]).toBeCloseTo((v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!, 5);
        expect(caffe.x[i * 3 + c]).toBeCloseTo(v - CAFFE_MEAN_BGR[c]!, 4);
      }
      expect(mm.x[i]).toBeCloseTo(v / 127.5 - 1, 6);
      expect(unit.x[i]).toBeCloseTo(v / 255, 6);
    });
    expect(IMAGENET_MEAN).toEqual([0.485, 0.456, 0.406]);
    expect(CAFFE_MEAN_BGR).toEqual([103.939, 116.779, 123.68]);
  });

  it("pad-white pads to a centred square with white (the paper's expand2square); center-crop keeps the middle", async () => {
    const wide = path.join(tmp.dir, 'wide.png');
    await writeGrayPng(wide, 4, 2, new Array(8).fill(0));
    const padded = await loadPipelineImage({ kind: 'file', path: wide }, { size: 4, channels: 1, fit: 'pad-white', normalize: 'unit' }, undefined);
    expect(Array.from(padded)).toEqual([255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
    const cols = path.join(tmp.dir, 'cols.png');
    await writeGrayPng(cols, 6, 2, [10, 20, 30, 40, 50, 60, 10, 20, 30, 40, 50, 60]);
    const cropped = await loadPipelineImage({ kind: 'file', path: cols }, { size: 2, channels: 1, fit: 'center-crop', normalize: 'unit' }, undefined);
    expect(Array.from(cropped)).toEqual([30, 40, 30, 40]);
  });

  it('decodes 16-bit PNG (min-max to 0..255) and colour with PIL luma, alpha onto black', async () => {
    const file16 = path.join(tmp.dir, 'sixteen.png');
    const wide = Uint16Array.from([1000, 2000, 3000, 5000]);
    await sharp(wide, { raw: { width: 2, height: 2, channels: 1 } }).toColourspace('grey16').png().toFile(file16);
    expect((await sharp(file16).metadata()).depth).toBe('ushort');
    const g16 = await decodeToGray(file16);
    expect(Array.from(g16.data)).toEqual([0, 64, 128, 255]);
    const rgba = await sharp(Buffer.from([255, 0, 0, 255, 0, 255, 0, 255, 255, 255, 255, 0, 200, 100, 50, 128]), { raw: { width: 2, height: 2, channels: 4 } }).png().toBuffer();
    const g = await decodeToGray(rgba);
    // PIL: L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16, after compositing onto black.
    const l = (r: number, gg: number, b: number): number => (r * 19595 + gg * 38470 + b * 7471 + 0x8000) >> 16;
    expect(Array.from(g.data)).toEqual([l(255, 0, 0), l(0, 255, 0), 0, l(100, 50, 25)]);
  });

  it('the one-pass path for 8-bit gray files gives the same pixels as decode-then-fit', async () => {
    const file = path.join(COVID_ROOT, 'images', 'cxr-001353cd14d3.png');
    for (const fit of ['pad-white', 'center-crop', 'stretch'] as const) {
      const fast = await decodeAndFit(file, 100, fit);
      const slow = await fitSquare(await decodeToGray(file), 100, fit);
      expect(Array.from(fast)).toEqual(Array.from(slow));
    }
  });

  it('an unreadable image is a DataError naming the file', async () => {
    const bad = path.join(tmp.dir, 'bad.png');
    require('node:fs').writeFileSync(bad, 'nope');
    await expect(loadPipelineImage({ kind: 'file', path: bad }, eval4('unit'), undefined)).rejects.toThrow(DataError);
    await expect(loadPipelineImage({ kind: 'file', path: bad }, eval4('unit'), undefined)).rejects.toThrow(/bad\.png/);
  });
});

describe('augmentation', () => {
  it('rounds like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, -2.5, 2.4].map(roundHalfEven)).toEqual([0, 2, 2, 4, -2, 2]);
  });

  it('random resized crop boxes stay inside the image and within scale and ratio (up to rounding)', () => {
    const rng = createRng(5);
    for (let t = 0; t < 500; t++) {
      const box = randomResizedCropBox(256, 256, [0.08, 1], [3 / 4, 4 / 3], rng);
      expect(box.i).toBeGreaterThanOrEqual(0);
      expect(box.j).toBeGreaterThanOrEqual(0);
      expect(box.i + box.h).toBeLessThanOrEqual(256);
      expect(box.j + box.w).toBeLessThanOrEqual(256);
      const area = (box.w * box.h) / (256 * 256);
      expect(area).toBeGreaterThan(0.07);
      expect(area).toBeLessThanOrEqual(1);
      expect(box.w / box.h).toBeGreaterThan(0.7);
      expect(box.w / box.h).toBeLessThan(1.4);
    }
  });

  it('falls back to a ratio-clamped central crop when 10 tries fail', () => {
    // Any crop with ratio 1 and >= 90% of a 100x1 image cannot fit, so every try fails.
    expect(randomResizedCropBox(100, 1, [0.9, 1], [1, 1], createRng(1))).toEqual({ i: 0, j: 49, h: 1, w: 1 });
    expect(randomResizedCropBox(10, 10, [2, 3], [1, 1], createRng(1))).toEqual({ i: 0, j: 0, h: 10, w: 10 });
  });

  it('is a function of (seed, epoch, item id) only', async () => {
    const ds = await loadDataset('synthetic-cxr', { n: 2, size: 40, seed: 2 });
    const pipeline: ImagePipelineOptions = { size: 24, channels: 1, fit: 'stretch', normalize: 'unit', augment: { randomResizedCrop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] }, horizontalFlip: true } };
    const ref = ds.items[0]!.image;
    const a = await loadPipelineImage(ref, pipeline, undefined, { seed: 1, epoch: 3, itemId: 'x' });
    const b = await loadPipelineImage(ref, pipeline, undefined, { seed: 1, epoch: 3, itemId: 'x' });
    const c = await loadPipelineImage(ref, pipeline, undefined, { seed: 1, epoch: 4, itemId: 'x' });
    expect(a.length).toBe(24 * 24);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const evalView = await loadPipelineImage(ref, pipeline, undefined);
    expect(evalView.length).toBe(24 * 24);
  });
});

describe('disk cache and batches', () => {
  const pipeline: ImagePipelineOptions = { size: 32, channels: 3, fit: 'pad-white', normalize: 'imagenet' };

  it('a second run reads the cache and does not decode; a changed file is decoded again', async () => {
    const imgDir = path.join(tmp.dir, 'cache-src');
    require('node:fs').mkdirSync(imgDir, { recursive: true });
    const items: Array<{ id: string; image: { kind: 'file'; path: string }; labels: number[] }> = [];
    for (let i = 0; i < 6; i++) {
      const f = path.join(imgDir, `${i}.png`);
      await writeGrayPng(f, 20, 30, new Array(600).fill(i * 40));
      items.push({ id: `i${i}`, image: { kind: 'file' as const, path: f }, labels: [i % 2] });
    }
    const ds: Dataset = { id: 't', title: 't', labelNames: ['a'], items, synthetic: false, contentHash: '', skipped: [] };
    const dir = path.join(tmp.dir, 'cache');
    const collect = async (cache: ImageCache): Promise<number[]> => {
      const out: number[] = [];
      for await (const b of createBatchSource(ds, items, { batchSize: 4, shuffle: false, seed: 0, pipeline, cache }).batches(0)) out.push(...b.x);
      return out;
    };
    const first = new ImageCache(dir);
    const x1 = await collect(first);
    expect(first.stats.decodes).toBe(6);
    const second = new ImageCache(dir);
    const x2 = await collect(second);
    expect(second.stats).toMatchObject({ decodes: 0, hits: 6 });
    expect(x2).toEqual(x1);
    utimesSync(items[2]!.image.path, new Date(), new Date(Date.now() + 5000));
    const third = new ImageCache(dir);
    await collect(third);
    expect(third.stats.decodes).toBe(1);
  });

  it('same (seed, epoch) gives the same batches; epochs reshuffle; items appear once per epoch', async () => {
    const ds = await loadDataset('synthetic-cxr', { n: 10, size: 32, seed: 4 });
    const aug: ImagePipelineOptions = { ...pipeline, augment: { randomResizedCrop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] }, horizontalFlip: true } };
    const make = () => createBatchSource(ds, ds.items, { batchSize: 4, shuffle: true, seed: 9, pipeline: aug, cache: false, dropLast: false });
    const run = async (epoch: number) => {
      const batches: Batch[] = [];
      for await (const b of make().batches(epoch)) batches.push(b);
      return batches;
    };
    const [e1, e1again, e2] = [await run(1), await run(1), await run(2)];
    expect(e1.map((b) => b.size)).toEqual([4, 4, 2]);
    expect(e1.map((b) => b.ids)).toEqual(e1again.map((b) => b.ids));
    expect(e1.map((b) => Array.from(b.x))).toEqual(e1again.map((b) => Array.from(b.x)));
    expect(e1.flatMap((b) => b.ids)).not.toEqual(e2.flatMap((b) => b.ids));
    expect(e1.flatMap((b) => b.ids).sort()).toEqual(ds.items.map((i) => i.id).sort());
    const byId = new Map(ds.items.map((i) => [i.id, i.labels[0]]));
    expect(Array.from(e1[0]!.y)).toEqual(e1[0]!.ids.map((id) => byId.get(id)));
    const dropped = [];
    for await (const b of createBatchSource(ds, ds.items, { batchSize: 4, shuffle: true, seed: 9, pipeline, cache: false, dropLast: true }).batches(0)) dropped.push(b.size);
    expect(dropped).toEqual([4, 4]);
  });

  it('loads the next batch while the consumer holds the current one', async () => {
    const covid = await loadDataset('covid-cohen', { root: COVID_ROOT });
    const items = covid.items.slice(0, 12);
    const loadsAfterFirst = async (prefetch: number): Promise<number> => {
      const cache = new ImageCache(path.join(tmp.dir, `prefetch-${prefetch}`));
      const it = createBatchSource(covid, items, { batchSize: 4, shuffle: false, seed: 0, pipeline, cache, prefetch }).batches(0)[Symbol.asyncIterator]();
      await it.next();
      await new Promise((r) => setTimeout(r, 400)); // the consumer "trains"
      const loaded = cache.stats.writes;
      await it.return?.();
      return loaded;
    };
    expect(await loadsAfterFirst(0)).toBe(4);
    expect(await loadsAfterFirst(1)).toBe(8);
  });

  it('carries the U-Ignore mask into batches', async () => {
    const ds: Dataset = {
      id: 't', title: 't', labelNames: ['a', 'b'], synthetic: false, contentHash: '', skipped: [],
      items: [{ id: 'm', image: { kind: 'memory', width: 4, height: 4, channels: 1, data: new Uint8Array(16) }, labels: [1, 0], mask: [1, 0] },
        { id: 'n', image: { kind: 'memory', width: 4, height: 4, channels: 1, data: new Uint8Array(16) }, labels: [0, 1] }],
    };
    const b = await oneBatch(ds, eval4('unit'));
    expect(Array.from(b.mask!)).toEqual([1, 0, 1, 1]);
    expect(Array.from(b.y)).toEqual([1, 0, 0, 1]);
  });
});
