import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../lib/data/index';
import { parseKermanyFileName } from '../../lib/data/loaders/kermany-pneumonia';
import { ConfigError, DataError } from '../../lib/errors';
import { chooseSplit } from '../../lib/experiments/data-plan';
import { SHARED, tempDir } from './helpers';
import { BASE, writeFixture } from './kermany-fixture';

const KERMANY_ROOT = path.join(SHARED, 'data', 'kermany-pneumonia-224');
describe('parseKermanyFileName', () => {
  it('reads patient and subtype from the release file names', () => {
    expect(parseKermanyFileName('person447_virus_921_1.jpeg')).toEqual({ patientId: 'person447', subtype: 'virus' });
    expect(parseKermanyFileName('person1_bacteria_1.jpeg')).toEqual({ patientId: 'person1', subtype: 'bacteria' });
    expect(parseKermanyFileName('IM-0011-0001-0002.jpeg')).toEqual({ patientId: 'IM-0011', subtype: 'normal' });
    expect(parseKermanyFileName('NORMAL2-IM-0007-0001.jpeg')).toEqual({ patientId: 'NORMAL2-IM-0007', subtype: 'normal' });
    expect(parseKermanyFileName('scan.jpeg')).toBeNull();
  });
});

describe('kermany-pneumonia loader on a fixture', () => {
  const t = tempDir('kermany');
  beforeAll(() => writeFixture(t.dir, BASE));
  afterAll(t.cleanup);

  it('takes sourceSplit from the chosen scheme (default grouped), label pneumonia, patient ids', async () => {
    const grouped = await loadDataset('kermany-pneumonia', { root: t.dir });
    expect(grouped.labelNames).toEqual(['pneumonia']);
    expect(grouped.items).toHaveLength(BASE.length);
    const byFile = new Map(grouped.items.map((it) => [path.basename((it.image as { path: string }).path), it]));
    expect(byFile.get('IM-0004-0001.jpeg')!.sourceSplit).toBe('test');
    expect(byFile.get('person1_virus_9.jpeg')!.patientId).toBe('person1');
    expect(byFile.get('person1_virus_9.jpeg')!.labels).toEqual([1]);
    expect(byFile.get('IM-0001-0001.jpeg')!.labels).toEqual([0]);
    const suggested = await loadDataset('kermany-pneumonia', { root: t.dir, splitScheme: 'suggested' });
    expect(suggested.items.find((it) => it.id.endsWith('IM-0004-0001'))!.sourceSplit).toBe('train');
    expect(suggested.contentHash).not.toBe(grouped.contentHash);
  });

  it('documents the patient overlap of the release split and lets only that split through', async () => {
    const grouped = await loadDataset('kermany-pneumonia', { root: t.dir });
    expect(grouped.sourceSplitOverlap).toBeUndefined();
    const suggested = await loadDataset('kermany-pneumonia', { root: t.dir, splitScheme: 'suggested' });
    expect(suggested.sourceSplitOverlap).toMatch(/1 patient with images in both train and test/);
    const choice = chooseSplit(suggested);
    expect(choice.method).toBe('source');
    expect(choice.splits.test.map((i) => i.patientId)).toContain('person1');
    const undocumented = { ...suggested, sourceSplitOverlap: undefined };
    expect(() => chooseSplit(undocumented)).toThrow(/patient "person1" is in two splits/);
  });

  it("carves val from the official train patients, keeping the official test set", async () => {
    const official = await loadDataset('kermany-pneumonia', { root: t.dir, splitScheme: 'official' });
    const { splits, method } = chooseSplit(official);
    expect(method).toBe('source-val-carved');
    expect(splits.test.map((i) => i.id).sort()).toEqual(official.items.filter((i) => i.sourceSplit === 'test').map((i) => i.id).sort());
    for (const item of [...splits.val, ...splits.train]) expect(item.sourceSplit).toBe('train');
  });

  it('viral-vs-bacterial: label from subtype, pneumonia images only, normals counted in the title', async () => {
    const ds = await loadDataset('kermany-pneumonia', { root: t.dir, task: 'viral-vs-bacterial' });
    expect(ds.labelNames).toEqual(['viral']);
    expect(ds.items).toHaveLength(5);
    expect(ds.items.filter((i) => i.labels[0] === 1).map((i) => i.id).sort()).toEqual(['test-pneumonia-person1_virus_9', 'train-pneumonia-person2_virus_3_1']);
    expect(ds.title).toMatch(/the 5 normal images are not part of this task/);
  });

  it('rejects unknown schemes and tasks naming the option', async () => {
    await expect(loadDataset('kermany-pneumonia', { root: t.dir, splitScheme: 'random' as never })).rejects.toThrow(ConfigError);
    await expect(loadDataset('kermany-pneumonia', { root: t.dir, splitScheme: 'random' as never })).rejects.toThrow(/splitScheme: expected 'grouped' \| 'suggested' \| 'official', got 'random'/);
    await expect(loadDataset('kermany-pneumonia', { root: t.dir, task: 'covid' as never })).rejects.toThrow(/task: expected 'pneumonia' \| 'viral-vs-bacterial', got 'covid'/);
    await expect(loadDataset('kermany-pneumonia', { root: t.dir, splitscheme: 'grouped' } as never)).rejects.toThrow(/splitscheme/);
  });
});

describe('kermany-pneumonia loader: bad rows', () => {
  it('identical images in two splits stop the split, naming both rows; kept together they pass', async () => {
    const t = tempDir('kermany-dup');
    try {
      // The same bytes under another patient's file name (the release has such a case), put in another split.
      const rows = BASE.map((r) => (r.file === 'NORMAL2-IM-0002-0001-0002.jpeg' ? { ...r, file: 'NORMAL2-IM-0098-0001.jpeg', grouped: 'test' as const } : r));
      await writeFixture(t.dir, rows);
      const grouped = await loadDataset('kermany-pneumonia', { root: t.dir });
      const err = (() => {
        try {
          chooseSplit(grouped);
          return null;
        } catch (e) {
          return e as Error;
        }
      })();
      expect(err).toBeInstanceOf(DataError);
      expect(err!.message).toMatch(/the same image is in two splits: .*row 8.*row 9/s);
      // The suggested scheme keeps them together, so its split stands.
      const suggested = await loadDataset('kermany-pneumonia', { root: t.dir, splitScheme: 'suggested' });
      expect(chooseSplit(suggested).splits.val.map((i) => i.id)).toContain('train-normal-NORMAL2-IM-0098-0001');
    } finally {
      t.cleanup();
    }
  });

  it('a label or patient contradicting the file name is a bad row named by file, row and field; skip lists it', async () => {
    const t = tempDir('kermany-bad');
    try {
      const rows = BASE.map((r) => (r.file === 'IM-0003-0001.jpeg' ? { ...r, pneumonia: '1', subtype: 'normal' } : r.file === 'person3_bacteria_4.jpeg' ? { ...r, patientId: 'person9' } : r));
      await writeFixture(t.dir, rows);
      const err = await loadDataset('kermany-pneumonia', { root: t.dir }).catch((e) => e);
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toMatch(/labels\.csv, row 6, field "patient_id": patient_id "person9" but the file name "person3_bacteria_4\.jpeg" says "person3"/);
      const skipped = await loadDataset('kermany-pneumonia', { root: t.dir, onBadRow: 'skip' });
      expect(skipped.items).toHaveLength(BASE.length - 2);
      expect(skipped.skipped.map((s) => s.row)).toEqual([6, 10]);
      expect(skipped.skipped[1]!.reason).toMatch(/pneumonia "1" but the file name "IM-0003-0001\.jpeg" says normal/);
    } finally {
      t.cleanup();
    }
  });

  it('a missing image is named with its row', async () => {
    const t = tempDir('kermany-missing');
    try {
      await writeFixture(t.dir, BASE);
      const csv = readFileSync(path.join(t.dir, 'labels.csv'), 'utf8').replace('images/train/NORMAL/IM-0001-0001.jpeg', 'images/train/NORMAL/IM-0001-0009.jpeg');
      writeFileSync(path.join(t.dir, 'labels.csv'), csv);
      await expect(loadDataset('kermany-pneumonia', { root: t.dir })).rejects.toThrow(/row 7.*IM-0001-0009\.jpeg/s);
    } finally {
      t.cleanup();
    }
  });
});

describe.runIf(existsSync(path.join(KERMANY_ROOT, 'labels.csv')))('kermany-pneumonia: the real folder', () => {
  it('loads 5,840 items with the README counts for each scheme', async () => {
    const counts = async (splitScheme: 'grouped' | 'suggested' | 'official'): Promise<Record<string, number>> => {
      const ds = await loadDataset('kermany-pneumonia', { root: KERMANY_ROOT, splitScheme });
      expect(ds.items).toHaveLength(5840);
      expect(ds.items.filter((i) => i.labels[0] === 1)).toHaveLength(4265);
      const c: Record<string, number> = {};
      for (const item of ds.items) c[item.sourceSplit!] = (c[item.sourceSplit!] ?? 0) + 1;
      return c;
    };
    expect(await counts('grouped')).toEqual({ train: 4083, val: 588, test: 1169 });
    expect(await counts('suggested')).toEqual({ train: 4694, val: 522, test: 624 });
    expect(await counts('official')).toEqual({ train: 5216, test: 624 });
    const suggested = await loadDataset('kermany-pneumonia', { root: KERMANY_ROOT, splitScheme: 'suggested' });
    expect(suggested.sourceSplitOverlap).toMatch(/^the suggested split has \d+ patients with images in both train and test/);
    expect(new Set(suggested.items.map((i) => i.patientId)).size).toBe(3102);
  });

  it("official: val is about 10 % of the release's train images, whole patients, both classes", async () => {
    const official = await loadDataset('kermany-pneumonia', { root: KERMANY_ROOT, splitScheme: 'official' });
    const { splits } = chooseSplit(official);
    expect(splits.test).toHaveLength(624);
    expect(splits.val.length / 5216).toBeGreaterThan(0.09);
    expect(splits.val.length / 5216).toBeLessThan(0.11);
    expect(splits.val.filter((i) => i.labels[0] === 0).length).toBeGreaterThan(100);
    const trainPatients = new Set(splits.train.map((i) => i.patientId));
    expect(splits.val.some((i) => trainPatients.has(i.patientId))).toBe(false);
  });
});
