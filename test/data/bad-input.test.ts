/**
 * Bad input a careful user can hand the loaders: truncated images, changed image bytes behind an unchanged CSV,
 * the same image under two ids, symbolic links out of the data root, a CSV with only its header.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../lib/errors';
import { loadDataset, splitDataset } from '../../lib/data';
import type { Dataset } from '../../lib/data';
import { tempDir, writePatternPng } from './helpers';

const t = tempDir('bad-input');
const outside = tempDir('bad-input-outside');
process.env.RETHINK_CACHE = path.join(t.dir, 'cache'); // the file-hash cache of these loads
afterAll(() => {
  t.cleanup();
  outside.cleanup();
});

const write = (name: string, lines: string[]): string => {
  writeFileSync(path.join(t.dir, name), `${lines.join('\n')}\n`);
  return name;
};
const load = (csv: string, extra: Record<string, unknown> = {}): Promise<Dataset> =>
  loadDataset('csv', { root: t.dir, csv, labelColumns: ['y'], ...extra });

beforeAll(async () => {
  mkdirSync(path.join(t.dir, 'img'), { recursive: true });
  for (let i = 0; i < 8; i++) await writePatternPng(path.join(t.dir, 'img', `${i}.png`), 16, 16, i);
});

describe('imageCheck decode', () => {
  it('catches a truncated PNG and a truncated JPEG, naming the CSV row', async () => {
    const png = readFileSync(path.join(t.dir, 'img', '0.png'));
    writeFileSync(path.join(t.dir, 'img', 'cut.png'), png.subarray(0, Math.floor(png.length * 0.6)));
    const pixels = Buffer.alloc(32 * 32 * 3, 0).map((_, i) => (i * 7) % 251);
    const jpeg = await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } }).jpeg().toBuffer();
    writeFileSync(path.join(t.dir, 'img', 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    const csv = write('truncated.csv', ['path,y', 'img/0.png,1', 'img/cut.png,0', 'img/1.png,0', 'img/cut.jpg,1']);
    const err = await load(csv, { imageCheck: 'decode' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    // The project's PNG decoder or libvips, whichever training would use, says what is wrong with the bytes.
    expect((err as Error).message).toMatch(/truncated\.csv, row 3, field "path": (corrupt PNG|image cannot be decoded).*: .*cut\.png$/);
    const ds = await load(csv, { imageCheck: 'decode', onBadRow: 'skip' });
    expect(ds.skipped.map((s) => s.row)).toEqual([3, 5]);
    expect(ds.skipped[1]!.reason).toMatch(/cut\.jpg/);
  });
});

describe('dataset identity covers the image bytes', () => {
  it('an image changed behind an unchanged CSV changes imagesHash (not contentHash); the hash is cached by size and mtime', async () => {
    const csv = write('identity.csv', ['path,y', 'img/2.png,1', 'img/3.png,0']);
    const file = path.join(t.dir, 'img', '3.png');
    utimesSync(file, 1_700_000_000, 1_700_000_000); // whole seconds, so restoring the mtime below is exact
    const first = await load(csv);
    expect(first.imagesHash).toMatch(/^[0-9a-f]{64}$/);
    expect(first.items.every((i) => /^[0-9a-f]{64}$/.test(i.imageSha256!))).toBe(true);

    // Same size, same mtime, same inode: the cached hash is trusted, so the file is not read again.
    const before = statSync(file);
    const bytes = readFileSync(file);
    bytes[bytes.length - 20] ^= 0xff;
    writeFileSync(file, bytes);
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect(statSync(file).ino).toBe(before.ino);
    expect((await load(csv)).imagesHash).toBe(first.imagesHash);

    // A new mtime makes it read the bytes again: the identity changes, the label file's hash does not.
    utimesSync(file, 1_700_000_000, 1_700_000_005);
    const changed = await load(csv);
    expect(changed.imagesHash).not.toBe(first.imagesHash);
    expect(changed.contentHash).toBe(first.contentHash);
  });

  it('a damaged hash cache costs a re-read, never a wrong identity', async () => {
    const csv = write('cache-damage.csv', ['path,y', 'img/2.png,1', 'img/5.png,0']);
    const first = await load(csv);
    const cacheDir = path.join(t.dir, 'cache', 'file-sha256-v1');
    for (const f of readdirSync(cacheDir)) writeFileSync(path.join(cacheDir, f), '{"not": "entries"');
    expect((await load(csv)).imagesHash).toBe(first.imagesHash);
  });

  it("imageCheck 'none' reads no image, so the identity is unknown (null), not wrong", async () => {
    const csv = write('none.csv', ['path,y', 'img/2.png,1', 'img/4.png,0']);
    expect((await load(csv, { imageCheck: 'none' })).imagesHash).toBeNull();
  });

  it('generated images are hashed from their pixels', async () => {
    const a = await loadDataset('synthetic-cxr', { n: 20, size: 16, seed: 1 });
    const b = await loadDataset('synthetic-cxr', { n: 20, size: 16, seed: 2 });
    expect(a.imagesHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.imagesHash).not.toBe(b.imagesHash);
  });
});

describe('the same image under two ids', () => {
  beforeAll(() => {
    writeFileSync(path.join(t.dir, 'img', 'copy-of-5.png'), readFileSync(path.join(t.dir, 'img', '5.png')));
  });

  it('in two splits given by the CSV: an error naming both rows', async () => {
    const csv = write('dup.csv', ['path,y,split', 'img/5.png,1,train', 'img/6.png,0,train', 'img/7.png,1,test', 'img/copy-of-5.png,1,test']);
    const ds = await load(csv, { splitColumn: 'split' });
    const err = (() => {
      try {
        splitDataset(ds, { seed: 0, useSourceSplit: true });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DataError);
    expect(err!.message).toMatch(/same image is in two splits: train item "img\/5\.png" \(.*dup\.csv, row 2\) and test item "img\/copy-of-5\.png" \(.*dup\.csv, row 5\)/);
  });

  it('in a drawn split: kept together, whatever the seed', async () => {
    const csv = write('dup-drawn.csv', ['path,y', ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `img/${i}.png,${i % 2}`), 'img/copy-of-5.png,1']);
    const ds = await load(csv);
    for (let seed = 0; seed < 20; seed++) {
      const splits = splitDataset(ds, { seed, groupBy: 'item' });
      expect(splits.assignment.get('img/copy-of-5.png')).toBe(splits.assignment.get('img/5.png'));
    }
  });
});

describe('paths out of the data root', () => {
  beforeAll(async () => {
    await writePatternPng(path.join(outside.dir, 'secret.png'), 16, 16, 9);
    symlinkSync(path.join(outside.dir, 'secret.png'), path.join(t.dir, 'img', 'link-out.png'));
    symlinkSync(outside.dir, path.join(t.dir, 'linked-folder'));
    symlinkSync(path.join(t.dir, 'img', '1.png'), path.join(t.dir, 'img', 'link-in.png'));
  });

  it('a symbolic link (of the file or of a folder on the way) leading outside is refused, naming the row', async () => {
    const csv = write('links.csv', ['path,y', 'img/0.png,1', 'img/link-out.png,0', 'linked-folder/secret.png,0', 'img/link-in.png,0']);
    const err = await load(csv).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/links\.csv, row 3, field "path": path "img\/link-out\.png" leads through a symbolic link to .*secret\.png, outside the data root/);
    const ds = await load(csv, { onBadRow: 'skip' });
    expect(ds.skipped.map((s) => s.row)).toEqual([3, 4]);
    expect(ds.items.map((i) => i.id)).toEqual(['img/0.png', 'img/link-in.png']); // a link inside the root is fine
  });
});

describe('a CSV with no usable rows', () => {
  it('header only: a named error at load', async () => {
    const csv = write('header-only.csv', ['path,y']);
    await expect(load(csv)).rejects.toThrow(/header-only\.csv: the CSV has a header but no rows/);
  });

  it('every row skipped, or filtered away: a named error saying which', async () => {
    const skipped = write('all-bad.csv', ['path,y', 'img/missing-a.png,1', 'img/missing-b.png,0']);
    await expect(load(skipped, { onBadRow: 'skip' })).rejects.toThrow(/all-bad\.csv: no usable rows \(all 2 of 2 rows were skipped as bad; first: row 2: /);
    const filtered = write('no-view.csv', ['path,y,view', 'img/0.png,1,AP']);
    await expect(load(filtered, { viewColumn: 'view', views: ['PA'] })).rejects.toThrow(/no-view\.csv: no usable rows \(none of its 1 rows passes the view filter\)/);
  });
});
