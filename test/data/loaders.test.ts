import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../../lib/errors';
import { DATASET_IDS, listManifestIds, loadDataset, loadManifest, parseNpy } from '../../lib/data';
import { COVID_ROOT, npyBytes, tempDir, writePatternPng } from './helpers';

describe('manifests', () => {
  it('every committed manifest validates, and the loader registry and the manifests name the same datasets', () => {
    const ids = listManifestIds();
    expect(ids).toEqual([...DATASET_IDS].sort());
    for (const id of ids) expect(loadManifest(id).manifest.id).toBe(id);
  });

  it('pins the COVID source to the upstream commit', () => {
    const { manifest } = loadManifest('covid-cohen');
    expect(manifest.obtain.method).toBe('automatic');
    if (manifest.obtain.method === 'automatic') {
      expect(manifest.obtain.source.commit).toBe('584034aa7fbf06496741f11008d72fd791c8e443');
      expect(manifest.obtain.source.rawBaseUrl).toContain(manifest.obtain.source.commit);
    }
  });

  it('a manifest that breaks the schema fails naming the file and field', () => {
    const t = tempDir('manifest');
    try {
      const file = path.join(t.dir, 'broken.json');
      const good = loadManifest('csv').manifest;
      writeFileSync(file, JSON.stringify({ ...good, obtain: { method: 'automatic', source: { repository: 'x' } } }));
      expect(() => loadManifest(file)).toThrow(DataError);
      expect(() => loadManifest(file)).toThrow(/broken\.json.*\n.*obtain/);
    } finally {
      t.cleanup();
    }
  });
});

describe('COVID (prepared Cohen folder)', () => {
  it('loads 271 items with 194 covid19 positives, patients, views and the suggested split', async () => {
    const ds = await loadDataset('covid-cohen', { root: COVID_ROOT });
    expect(ds.items).toHaveLength(271);
    expect(ds.labelNames).toEqual(['covid19']);
    expect(ds.items.filter((i) => i.labels[0] === 1)).toHaveLength(194);
    expect(new Set(ds.items.map((i) => i.patientId)).size).toBe(151);
    expect(ds.items.filter((i) => i.view === 'PA')).toHaveLength(170);
    expect(ds.items.filter((i) => i.sourceSplit === 'train')).toHaveLength(184);
    expect(ds.synthetic).toBe(false);
    expect(ds.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('other labels on request; unknown labels are a ConfigError', async () => {
    const ds = await loadDataset('covid-cohen', { root: COVID_ROOT, labels: ['pneumonia', 'no_finding'] });
    expect(ds.items.filter((i) => i.labels[0] === 1)).toHaveLength(255);
    expect(ds.items.filter((i) => i.labels[1] === 1)).toHaveLength(12);
    await expect(loadDataset('covid-cohen', { root: COVID_ROOT, labels: ['ards'] })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('generic CSV', () => {
  const t = tempDir('csv');
  beforeAll(async () => {
    mkdirSync(path.join(t.dir, 'img'), { recursive: true });
    for (let i = 0; i < 4; i++) await writePatternPng(path.join(t.dir, 'img', `${i}.png`), 8, 8, i);
  });
  afterAll(() => t.cleanup());
  const write = (name: string, lines: string[]): string => {
    writeFileSync(path.join(t.dir, name), lines.join('\n') + '\n');
    return name;
  };

  it('reads path, labels, patient and view', async () => {
    const csv = write('ok.csv', ['path,covid,other,patient,view', 'img/0.png,1,0,p1,PA', 'img/1.png,0,1,p1,AP', 'img/2.png,0,0,p2,PA']);
    const ds = await loadDataset('csv', { root: t.dir, csv, labelColumns: ['covid', 'other'], patientColumn: 'patient', viewColumn: 'view' });
    expect(ds.items.map((i) => [i.id, i.labels, i.patientId, i.view])).toEqual([
      ['img/0.png', [1, 0], 'p1', 'PA'],
      ['img/1.png', [0, 1], 'p1', 'AP'],
      ['img/2.png', [0, 0], 'p2', 'PA'],
    ]);
    const pa = await loadDataset('csv', { root: t.dir, csv, labelColumns: ['covid'], viewColumn: 'view', views: ['PA'] });
    expect(pa.items).toHaveLength(2);
  });

  it('rejects paths that escape the data root (.., absolute)', async () => {
    for (const bad of ['../outside.png', '/etc/passwd', 'img/../../x.png']) {
      const csv = write('escape.csv', ['path,covid', 'img/0.png,1', `${bad},0`]);
      const err = await loadDataset('csv', { root: t.dir, csv, labelColumns: ['covid'] }).catch((e) => e);
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toContain('escapes the data root');
      expect(err.details).toMatchObject({ row: 3, field: 'path' });
    }
  });

  it('missing image, duplicate id, label outside the policy: fail by default, skip and list with onBadRow', async () => {
    const csv = write('bad.csv', ['path,covid', 'img/0.png,1', 'img/missing.png,0', 'img/0.png,0', 'img/1.png,-1', 'img/2.png,0', 'img/3.png,1']);
    const err = await loadDataset('csv', { root: t.dir, csv, labelColumns: ['covid'] }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.details).toMatchObject({ row: 4, field: 'path' }); // the duplicate is found before images are checked
    expect(err.message).toContain('duplicate id "img/0.png"');
    const ds = await loadDataset('csv', { root: t.dir, csv, labelColumns: ['covid'], onBadRow: 'skip' });
    expect(ds.items.map((i) => i.id)).toEqual(['img/0.png', 'img/2.png', 'img/3.png']);
    expect(ds.skipped.map((s) => s.row).sort()).toEqual([3, 4, 5]);
    expect(ds.skipped.find((s) => s.row === 3)!.reason).toContain('missing');
    expect(ds.skipped.find((s) => s.row === 5)!.reason).toContain("'binary' label policy");
    const ones = await loadDataset('csv', { root: t.dir, csv, labelColumns: ['covid'], onBadRow: 'skip', policy: 'u-ones' });
    expect(ones.items.find((i) => i.id === 'img/1.png')!.labels).toEqual([1]);
  });

  it('a missing column fails naming it; an unreadable image fails with imageCheck decode', async () => {
    const csv = write('nocol.csv', ['path,covid', 'img/0.png,1']);
    await expect(loadDataset('csv', { root: t.dir, csv, labelColumns: ['covid', 'edema'] })).rejects.toThrow(/nocol\.csv, row 1: missing column "edema"/);
    writeFileSync(path.join(t.dir, 'img', 'corrupt.png'), 'not a png');
    const csv2 = write('corrupt.csv', ['path,covid', 'img/corrupt.png,1']);
    const err = await loadDataset('csv', { root: t.dir, csv: csv2, labelColumns: ['covid'], imageCheck: 'decode' }).catch((e) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/corrupt\.csv, row 2, field "path": image cannot be decoded/);
  });
});

describe('MedMNIST .npz', () => {
  const t = tempDir('npz');
  const n = 5;
  const images = new Uint8Array(n * 28 * 28).map((_, i) => (i * 13) % 256);
  const labels = Uint8Array.from([0, 1, 1, 0, 1]);
  beforeAll(() => {
    const entries = {
      'train_images.npy': npyBytes('|u1', [n, 28, 28], images),
      'train_labels.npy': npyBytes('|u1', [n, 1], labels),
      'val_images.npy': npyBytes('|u1', [1, 28, 28], new Uint8Array(28 * 28)),
      'val_labels.npy': npyBytes('|u1', [1, 1], Uint8Array.from([2])),
    };
    // One entry deflated, one stored, as numpy.savez_compressed / savez write them.
    writeFileSync(path.join(t.dir, 'pneumoniamnist.npz'), zipSync({ ...entries, 'train_images.npy': [entries['train_images.npy'], { level: 0 }] }, { level: 6 }));
  });
  afterAll(() => t.cleanup());

  it('reads images and labels as memory items', async () => {
    const ds = await loadDataset('medmnist', { file: path.join(t.dir, 'pneumoniamnist.npz'), variant: 'pneumoniamnist', split: 'train' });
    expect(ds.labelNames).toEqual(['pneumonia']);
    expect(ds.items.map((i) => i.labels[0])).toEqual([0, 1, 1, 0, 1]);
    const img = ds.items[2]!.image;
    expect(img.kind).toBe('memory');
    if (img.kind === 'memory') {
      expect([img.width, img.height, img.channels]).toEqual([28, 28, 1]);
      expect(Array.from(img.data.subarray(0, 3))).toEqual(Array.from(images.subarray(2 * 784, 2 * 784 + 3)));
    }
  });

  it('a label outside {0,1} fails naming the array and row; a missing split names the keys present', async () => {
    const file = path.join(t.dir, 'pneumoniamnist.npz');
    await expect(loadDataset('medmnist', { file, variant: 'pneumoniamnist', split: 'val' })).rejects.toThrow(/row 0, field "val_labels\[pneumonia\]"/);
    await expect(loadDataset('medmnist', { file, variant: 'pneumoniamnist', split: 'test' })).rejects.toThrow(/missing array "test_images"/);
  });

  it('parses int64 and float32 .npy', () => {
    const i64 = new BigInt64Array([3n, -2n]);
    const a = parseNpy(npyBytes('<i8', [2], new Uint8Array(i64.buffer)), 'x.npy');
    expect(Array.from(a.data)).toEqual([3, -2]);
    const f32 = new Float32Array([0.5, 1.25, -3]);
    const b = parseNpy(npyBytes('<f4', [3], new Uint8Array(f32.buffer)), 'y.npy');
    expect(Array.from(b.data)).toEqual([0.5, 1.25, -3]);
    expect(() => parseNpy(new Uint8Array(20), 'z.npy')).toThrow(/z\.npy: not a \.npy file/);
  });
});

describe('synthetic-cxr', () => {
  it('is deterministic, labelled synthetic, with the requested prevalence and size', async () => {
    const a = await loadDataset('synthetic-cxr', { n: 20, prevalence: 0.25, size: 32, seed: 7 });
    const b = await loadDataset('synthetic-cxr', { n: 20, prevalence: 0.25, size: 32, seed: 7 });
    const c = await loadDataset('synthetic-cxr', { n: 20, prevalence: 0.25, size: 32, seed: 8 });
    expect(a.synthetic).toBe(true);
    expect(a.title).toMatch(/SYNTHETIC/);
    expect(a.items.filter((i) => i.labels[0] === 1)).toHaveLength(5);
    const pixels = (d: typeof a): number[] => d.items.flatMap((i) => (i.image.kind === 'memory' ? Array.from(i.image.data) : []));
    expect(pixels(a)).toEqual(pixels(b));
    expect(pixels(a)).not.toEqual(pixels(c));
    expect(a.contentHash).toBe(b.contentHash);
    expect(pixels(a)).toHaveLength(20 * 32 * 32);
  });

  it('positives are brighter inside the lung fields than negatives on average', async () => {
    const ds = await loadDataset('synthetic-cxr', { n: 60, prevalence: 0.5, size: 48, seed: 1 });
    const lungMean = (data: Uint8Array): number => {
      let s = 0;
      let k = 0;
      for (let y = 14; y < 34; y++) for (const x0 of [10, 30]) for (let x = x0; x < x0 + 8; x++, k++) s += data[y * 48 + x]!;
      return s / k;
    };
    const mean = (label: number): number => {
      const vals = ds.items.filter((i) => i.labels[0] === label).map((i) => (i.image.kind === 'memory' ? lungMean(i.image.data) : 0));
      return vals.reduce((x, y) => x + y, 0) / vals.length;
    };
    expect(mean(1) - mean(0)).toBeGreaterThan(1);
    expect(mean(1) - mean(0)).toBeLessThan(30); // low contrast, not a trivial task
  });
});
