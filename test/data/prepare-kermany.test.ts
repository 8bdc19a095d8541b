import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { loadDataset, verifyPreparedFolder } from '../../lib/data/index';
import { pinnedListingSource, prepareKermanyFromListing } from '../../lib/data/prepare-kermany';
import { DataError } from '../../lib/errors';
import { SHARED, tempDir } from './helpers';
import { BASE, writeFixture } from './kermany-fixture';

const RAW = 'https://example.invalid/pinned/';

async function withDirs(run: (dirs: { src: string; out: string }) => Promise<void>): Promise<void> {
  const src = tempDir('kermany-src');
  const out = tempDir('kermany-out');
  try {
    await run({ src: src.dir, out: out.dir });
  } finally {
    src.cleanup();
    out.cleanup();
  }
}

describe('prepare kermany-pneumonia', () => {
  it('downloads each listed file from the pinned raw URL, checks sha256, keeps the bytes, writes SHA256SUMS', () =>
    withDirs(async ({ src, out }) => {
      await writeFixture(src, BASE, { layout: 'pinned-repo' });
      const requested: string[] = [];
      const fetchBytes = async (url: string): Promise<Uint8Array> => {
        requested.push(url);
        return readFileSync(path.join(src, url.slice(RAW.length)));
      };
      const listing = { file: path.join(src, 'labels.csv'), sha256: null, rawBaseUrl: RAW };
      const result = await prepareKermanyFromListing(listing, { out, fetch: fetchBytes });
      expect(result).toMatchObject({ written: BASE.length, downloaded: BASE.length, reused: 0 });
      expect(requested).toContain(`${RAW}dataset/train/PNEUMONIA/person2_virus_3_1.jpeg`);
      expect(readFileSync(path.join(out, 'images/test/NORMAL/IM-0003-0001.jpeg'))).toEqual(readFileSync(path.join(src, 'dataset/test/NORMAL/IM-0003-0001.jpeg')));
      expect((await verifyPreparedFolder(out)).checked).toBe(BASE.length + 1);
      expect((await loadDataset('kermany-pneumonia', { root: out })).items).toHaveLength(BASE.length);
      const again = await prepareKermanyFromListing(listing, { out, fetch: fetchBytes });
      expect(again).toMatchObject({ downloaded: 0, reused: BASE.length });
    }));

  it('takes a local copy of the pinned repository without any download', () =>
    withDirs(async ({ src, out }) => {
      await writeFixture(src, BASE, { layout: 'pinned-repo' });
      const noNetwork = async (url: string): Promise<Uint8Array> => {
        throw new Error(`unexpected download ${url}`);
      };
      const listing = { file: path.join(src, 'labels.csv'), sha256: null, rawBaseUrl: RAW };
      const result = await prepareKermanyFromListing(listing, { out, from: src, fetch: noNetwork });
      expect(result).toMatchObject({ written: BASE.length, downloaded: 0 });
    }));

  it('a file whose bytes are not the pinned ones is an error naming the listing row and field', () =>
    withDirs(async ({ src, out }) => {
      await writeFixture(src, BASE, { layout: 'pinned-repo' });
      writeFileSync(path.join(src, 'dataset/train/NORMAL/IM-0004-0001.jpeg'), 'not the pinned bytes');
      const listing = { file: path.join(src, 'labels.csv'), sha256: null, rawBaseUrl: RAW };
      const err = await prepareKermanyFromListing(listing, { out, from: src, concurrency: 1 }).catch((e) => e);
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toMatch(/labels\.csv, row 11, field "sha256": checksum mismatch for images\/train\/NORMAL\/IM-0004-0001\.jpeg/);
    }));

  it('a local copy missing a file names the row and the paths tried', () =>
    withDirs(async ({ src, out }) => {
      await writeFixture(src, BASE, { layout: 'pinned-repo' });
      const listing = { file: path.join(src, 'labels.csv'), sha256: null, rawBaseUrl: RAW };
      const err = await prepareKermanyFromListing(listing, { out, from: path.join(src, 'nowhere'), concurrency: 1 }).catch((e) => e);
      expect(err.message).toMatch(/row 2: images\/train\/PNEUMONIA\/person1_bacteria_1\.jpeg not found in .*nowhere \(tried /);
    }));

  it('from the original release: squashes to 224 x 224, records the new hashes, lists unlisted release files', () =>
    withDirs(async ({ src, out }) => {
      const listingCsv = await writeFixture(src, BASE, { layout: 'release', side: 300 });
      const extra = path.join(src, 'chest_xray/val/NORMAL/NORMAL2-IM-1427-0001.jpeg');
      mkdirSync(path.dirname(extra), { recursive: true });
      await sharp(Buffer.alloc(40 * 30 * 3, 90), { raw: { width: 40, height: 30, channels: 3 } }).jpeg().toFile(extra);
      const listing = { file: path.join(src, 'labels.csv'), sha256: null, rawBaseUrl: RAW };
      const result = await prepareKermanyFromListing(listing, { out, fromRelease: src });
      expect(result.unlisted).toEqual(['val/NORMAL/NORMAL2-IM-1427-0001.jpeg']);
      const meta = await sharp(path.join(out, 'images/train/PNEUMONIA/person1_bacteria_1.jpeg')).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([224, 224, 'jpeg']);
      const labels = readFileSync(path.join(out, 'labels.csv'), 'utf8');
      expect(labels).not.toEqual(listingCsv);
      expect((await verifyPreparedFolder(out)).checked).toBe(BASE.length + 2);
      const ds = await loadDataset('kermany-pneumonia', { root: out });
      expect(ds.items).toHaveLength(BASE.length);
    }));
});

describe.runIf(existsSync(path.join(SHARED, 'data/kermany-pneumonia-224/labels.csv')))('prepare kermany-pneumonia from the shared copy', () => {
  it('the committed listing matches the manifest and rebuilds the shared folder byte for byte', async () => {
    const out = tempDir('kermany-real');
    try {
      const result = await prepareKermanyFromListing(pinnedListingSource(), { out: out.dir, from: path.join(SHARED, 'data/kermany-pneumonia-224') });
      expect(result.written).toBe(5840);
      expect(readFileSync(path.join(out.dir, 'labels.csv'))).toEqual(readFileSync(path.join(SHARED, 'data/kermany-pneumonia-224/labels.csv')));
      expect((await verifyPreparedFolder(out.dir)).checked).toBe(5841);
    } finally {
      out.cleanup();
    }
  }, 120_000);
});
