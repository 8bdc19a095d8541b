import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applySplits,
  assertNoPatientLeak,
  labelSummary,
  loadDataset,
  loadSplits,
  saveSplits,
  splitDataset,
  splitSummary,
  subsampleNested,
  summarizeLabels,
  type Dataset,
  type DatasetItem,
} from '../../lib/data';
import { DataError } from '../../lib/errors';
import { COVID_ROOT, tempDir } from './helpers';

const tmp = tempDir('splits');
afterAll(() => tmp.cleanup());

describe('splitDataset', () => {
  it('groups patients, stratifies, is seeded and independent of item order', async () => {
    const ds = await loadDataset('covid-cohen', { root: COVID_ROOT });
    const a = splitDataset(ds, { seed: 3, ratios: { train: 0.7, val: 0.15, test: 0.15 } });
    const b = splitDataset({ ...ds, items: [...ds.items].reverse() }, { seed: 3, ratios: { train: 0.7, val: 0.15, test: 0.15 } });
    const c = splitDataset(ds, { seed: 4 });
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
    expect(a.train.length + a.val.length + a.test.length).toBe(271);
    assertNoPatientLeak(a);
    for (const split of ['train', 'val', 'test'] as const) {
      const patients = new Set(a[split].map((i) => i.patientId));
      for (const other of ['train', 'val', 'test'] as const) {
        if (other !== split) expect(a[other].some((i) => patients.has(i.patientId))).toBe(false);
      }
    }
    // Sizes near the ratios and prevalence near the whole set's 194/271 in every split.
    expect(a.train.length / 271).toBeCloseTo(0.7, 1);
    for (const split of ['train', 'val', 'test'] as const) {
      const prev = a[split].filter((i) => i.labels[0] === 1).length / a[split].length;
      expect(Math.abs(prev - 194 / 271)).toBeLessThan(0.08);
    }
  });

  it("useSourceSplit takes the COVID set's split_suggested", async () => {
    const ds = await loadDataset('covid-cohen', { root: COVID_ROOT });
    const s = splitDataset(ds, { seed: 0, useSourceSplit: true });
    expect(splitSummary(ds, s)).toEqual([
      { split: 'train', items: 184, patients: 106, 'covid19 +': 133 },
      { split: 'val', items: 42, patients: 23, 'covid19 +': 30 },
      { split: 'test', items: 45, patients: 22, 'covid19 +': 31 },
    ]);
  });

  it('saves and reloads splits as CSV with a hash; an edited file fails', async () => {
    const ds = await loadDataset('synthetic-cxr', { n: 40, size: 16, seed: 1 });
    const s = splitDataset(ds, { seed: 1 });
    const file = path.join(tmp.dir, 'splits.csv');
    saveSplits(file, s, ds);
    const loaded = loadSplits(file);
    expect(loaded.hash).toBe(s.hash);
    expect(loaded.dataset).toBe('synthetic-cxr');
    expect(loaded.contentHash).toBe(ds.contentHash);
    expect(applySplits(ds, loaded.assignment).train.map((i) => i.id)).toEqual(s.train.map((i) => i.id));
    const text = readFileSync(file, 'utf8');
    const edited = text.replace(/,train\n/, ',test\n');
    writeFileSync(file, edited);
    expect(() => loadSplits(file)).toThrow(/split hash mismatch/);
  });

  it('a patient in two splits is a DataError naming the patient', () => {
    const item = (id: string, patientId: string): DatasetItem => ({ id, patientId, labels: [0], image: { kind: 'file', path: id } });
    expect(() => assertNoPatientLeak({ train: [item('a', 'p1')], val: [item('b', 'p2')], test: [item('c', 'p1')] })).toThrow(
      /patient "p1" is in two splits: train \(item "a"\) and test \(item "c"\)/,
    );
  });
});

describe('subsampleNested', () => {
  const items = (pos: number, neg: number): DatasetItem[] =>
    Array.from({ length: pos + neg }, (_, i) => ({ id: `x${String(i).padStart(4, '0')}`, labels: [i < pos ? 1 : 0], image: { kind: 'file' as const, path: 'x' } }));

  it('5% inside 10% inside 100%, stratified and seeded', () => {
    const train = items(100, 900);
    const subsets = subsampleNested(train, [0.05, 0.1, 1], { seed: 2 });
    const five = subsets.get(0.05)!;
    const ten = subsets.get(0.1)!;
    expect(five.filter((i) => i.labels[0] === 1)).toHaveLength(5);
    expect(five).toHaveLength(50);
    expect(ten).toHaveLength(100);
    expect(subsets.get(1)).toHaveLength(1000);
    const tenIds = new Set(ten.map((i) => i.id));
    expect(five.every((i) => tenIds.has(i.id))).toBe(true);
    const again = subsampleNested([...train].reverse(), [0.1, 0.05, 1], { seed: 2 });
    expect(again.get(0.05)!.map((i) => i.id)).toEqual(five.map((i) => i.id));
    expect(subsampleNested(train, [0.05], { seed: 3 }).get(0.05)!.map((i) => i.id)).not.toEqual(five.map((i) => i.id));
  });

  it('keeps at least one positive at tiny fractions, and fails naming fraction and label when it cannot', () => {
    expect(subsampleNested(items(3, 200), [0.05], { seed: 1 }).get(0.05)!.filter((i) => i.labels[0] === 1)).toHaveLength(1);
    const multi = items(10, 90).map((it, i) => ({ ...it, labels: [it.labels[0]!, i === 50 ? 1 : 0] }));
    expect(() => subsampleNested(multi, [0.05, 1], { seed: 1, labelNames: ['covid', 'rare'] })).toThrow(/the 5% subset .* for "rare"/);
    try {
      subsampleNested(multi, [0.05, 1], { seed: 1, labelNames: ['covid', 'rare'] });
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
    }
  });
});

describe('summaries', () => {
  it('prevalence and ratio as plain rows and as a danfojs DataFrame', () => {
    const ds: Pick<Dataset, 'labelNames' | 'items'> = {
      labelNames: ['a', 'b'],
      items: [
        { id: '1', labels: [1, 0], mask: [1, 0], image: { kind: 'file', path: '' } },
        { id: '2', labels: [0, 1], mask: [1, 1], image: { kind: 'file', path: '' } },
        { id: '3', labels: [0, 0], mask: [1, 1], image: { kind: 'file', path: '' } },
      ],
    };
    const rows = labelSummary(ds);
    expect(rows[0]).toMatchObject({ label: 'a', positives: 1, negatives: 2, ignored: 0, ratio: '1:2.0' });
    expect(rows[1]).toMatchObject({ label: 'b', positives: 1, negatives: 1, ignored: 1, prevalence: 0.5 });
    const frame = summarizeLabels(ds);
    expect(frame.shape).toEqual([2, 6]);
    expect(frame.column('positives').values).toEqual([1, 1]);
  });
});
