import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareCovidCohen, prepareFromSources, processSourceImage, verifyPreparedFolder, type SourceFile } from '../../lib/data';
import { DataError } from '../../lib/errors';
import { COVID_ROOT, tempDir } from './helpers';

const tmp = tempDir('prepare');
afterAll(() => tmp.cleanup());
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function rawGray(png: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

describe('COVID prepare pipeline', () => {
  it('composites alpha onto black and writes 256x256 8-bit grayscale PNG', async () => {
    // Left half opaque white, right half fully transparent white: transparent must become black.
    const w = 300;
    const h = 300;
    const px = Buffer.alloc(w * h * 4, 255);
    for (let y = 0; y < h; y++) for (let x = w / 2; x < w; x++) px[(y * w + x) * 4 + 3] = 0;
    const src = await sharp(px, { raw: { width: w, height: h, channels: 4 } }).png().toBuffer();
    const out = await processSourceImage(src);
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels, meta.depth]).toEqual(['png', 256, 256, 1, 'uchar']);
    const g = await rawGray(out);
    expect(g.data[100 * 256 + 20]).toBe(255);
    expect(g.data[100 * 256 + 235]).toBe(0);
  });

  it('applies the EXIF orientation of a JPEG', async () => {
    // A 400x300 landscape image, dark left third, stored with orientation 6 (rotate 90 clockwise to view).
    const w = 400;
    const h = 300;
    const px = Buffer.alloc(w * h, 200);
    for (let y = 0; y < h; y++) for (let x = 0; x < 130; x++) px[y * w + x] = 0;
    const jpeg = await sharp(px, { raw: { width: w, height: h, channels: 1 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const g = await rawGray(await processSourceImage(jpeg));
    // Viewed upright the dark band is at the top: top rows dark, bottom rows bright, left and right alike.
    expect(g.data[5 * 256 + 128]).toBeLessThan(30);
    expect(g.data[250 * 256 + 128]).toBeGreaterThan(170);
    expect(Math.abs(g.data[128 * 256 + 5]! - g.data[128 * 256 + 250]!)).toBeLessThan(10);
  });

  it('resizes the shorter side to 256 and centre-crops a non-square image', async () => {
    // 512 x 256: three vertical bands 128 | 256 | 128 wide; after the crop only the middle band (value 100) remains.
    const w = 512;
    const h = 256;
    const px = Buffer.alloc(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px[y * w + x] = x < 128 ? 0 : x < 384 ? 100 : 255;
    const g = await rawGray(await processSourceImage(await sharp(px, { raw: { width: w, height: h, channels: 1 } }).png().toBuffer()));
    expect([g.width, g.height]).toEqual([256, 256]);
    expect(new Set(g.data)).toEqual(new Set([100]));
  });

  it('downloads through the injected fetch, checks sha256, caches sources, writes outputs', async () => {
    const bytes = await sharp({ create: { width: 300, height: 280, channels: 3, background: { r: 90, g: 120, b: 30 } } }).png().toBuffer();
    const out = path.join(tmp.dir, 'out');
    const files: SourceFile[] = [{ url: 'https://example.invalid/a.png', sha256: sha(bytes), output: 'images/cxr-a.png' }];
    let calls = 0;
    const fetch = async (): Promise<Uint8Array> => {
      calls++;
      return bytes;
    };
    const first = await prepareFromSources(files, { out, fetch });
    expect(first.downloaded).toBe(1);
    expect(existsSync(path.join(out, 'images/cxr-a.png'))).toBe(true);
    const second = await prepareFromSources(files, { out, fetch });
    expect([second.downloaded, calls]).toEqual([0, 1]);
  });

  it('a checksum mismatch is a DataError naming the URL and the listing row', async () => {
    const out = path.join(tmp.dir, 'mismatch');
    const urls: string[] = [];
    const err = await prepareCovidCohen({
      out,
      concurrency: 1,
      fetch: async (url) => {
        urls.push(url);
        return new Uint8Array([1, 2, 3]);
      },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/covid-cohen\.labels\.csv, row 2, field "source_sha256": checksum mismatch/);
    expect(urls[0]).toBe('https://raw.githubusercontent.com/ieee8023/covid-chestxray-dataset/584034aa7fbf06496741f11008d72fd791c8e443/images/19073f37.jpg');
  });
});

describe('verifyPreparedFolder', () => {
  it('passes on the shared prepared COVID folder (data files; its README was edited after SHA256SUMS was written)', async () => {
    const r = await verifyPreparedFolder(COVID_ROOT, { skip: (f) => f === 'README.md' });
    expect(r.checked).toBe(274);
    expect(r.skipped).toEqual(['README.md']);
  });

  it('names a changed file and its line', async () => {
    const dir = path.join(tmp.dir, 'verify');
    require('node:fs').mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'a.txt'), 'hello');
    writeFileSync(path.join(dir, 'b.txt'), 'world');
    writeFileSync(path.join(dir, 'SHA256SUMS'), `${sha(Buffer.from('hello'))}  a.txt\n${sha(Buffer.from('other'))}  b.txt\n`);
    await expect(verifyPreparedFolder(dir)).rejects.toThrow(/row 2: checksum mismatch for b\.txt/);
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('hello');
  });
});
