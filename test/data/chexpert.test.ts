import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../lib/errors';
import { loadDataset } from '../../lib/data';
import { tempDir, writePatternPng } from './helpers';

const OBSERVATIONS = [
  'No Finding', 'Enlarged Cardiomediastinum', 'Cardiomegaly', 'Lung Opacity', 'Lung Lesion', 'Edema', 'Consolidation',
  'Pneumonia', 'Atelectasis', 'Pneumothorax', 'Pleural Effusion', 'Pleural Other', 'Fracture', 'Support Devices',
];
const HEADER = ['Path', 'Sex', 'Age', 'Frontal/Lateral', 'AP/PA', ...OBSERVATIONS].join(',');

/** Observation cells for a row: defaults blank, overridden by name. */
function obs(values: Record<string, string>): string {
  return OBSERVATIONS.map((o) => values[o] ?? '').join(',');
}

const TRAIN_ROWS = [
  ['CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg', 'Female', '68', 'Frontal', 'AP', obs({ 'No Finding': '1.0', 'Support Devices': '1.0' })],
  ['CheXpert-v1.0-small/train/patient00002/study1/view1_frontal.jpg', 'Female', '87', 'Frontal', 'AP', obs({ Cardiomegaly: '-1.0', Edema: '1.0', 'Lung Opacity': '0.0' })],
  ['CheXpert-v1.0-small/train/patient00002/study1/view2_lateral.jpg', 'Female', '87', 'Lateral', '', obs({ Cardiomegaly: '-1.0', Edema: '1.0' })],
  ['CheXpert-v1.0-small/train/patient00003/study1/view1_frontal.jpg', 'Male', '41', 'Frontal', 'PA', obs({ Fracture: '1.0', Edema: '0.0', Atelectasis: '-1.0' })],
].map((r) => r.join(','));

describe('CheXpert loader', () => {
  const tmp = tempDir('chexpert');
  const parent = tmp.dir;
  const root = path.join(parent, 'CheXpert-v1.0-small');

  beforeAll(async () => {
    for (const row of TRAIN_ROWS) {
      const rel = row.split(',')[0]!.replace('CheXpert-v1.0-small/', '');
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      await writePatternPng(path.join(root, rel), 12, 10, rel.length);
    }
    mkdirSync(path.join(root, 'valid/patient64541/study1'), { recursive: true });
    await writePatternPng(path.join(root, 'valid/patient64541/study1/view1_frontal.jpg'), 12, 10, 3);
    writeFileSync(path.join(root, 'train.csv'), [HEADER, ...TRAIN_ROWS].join('\n') + '\n');
    writeFileSync(
      path.join(root, 'valid.csv'),
      [HEADER, ['CheXpert-v1.0-small/valid/patient64541/study1/view1_frontal.jpg', 'Male', '73', 'Frontal', 'AP', obs(Object.fromEntries(OBSERVATIONS.map((o) => [o, o === 'Edema' ? '1.0' : '0.0'])))].join(',')].join('\n') + '\n',
    );
  });
  afterAll(() => tmp.cleanup());

  const col = (name: string): number => OBSERVATIONS.indexOf(name);

  it('defaults to the paper 13 labels (Support Devices dropped) and U-Ones: blank -> 0, -1 -> 1', async () => {
    const ds = await loadDataset('chexpert-v1.0-small', { root, split: 'train', policy: 'u-ones' });
    expect(ds.labelNames).toEqual(OBSERVATIONS.slice(0, 13));
    expect(ds.items).toHaveLength(4);
    const p2 = ds.items[1]!;
    expect(p2.labels[col('Cardiomegaly')]).toBe(1);
    expect(p2.labels[col('Edema')]).toBe(1);
    expect(p2.labels[col('Lung Opacity')]).toBe(0);
    expect(p2.labels[col('Pneumonia')]).toBe(0); // blank
    expect(p2.mask).toBeUndefined();
    expect(ds.items[0]!.labels[col('No Finding')]).toBe(1);
  });

  it('U-Zeros maps -1 to 0; U-Ignore masks it out', async () => {
    const zeros = await loadDataset('chexpert-v1.0-small', { root, split: 'train', policy: 'u-zeros' });
    expect(zeros.items[1]!.labels[col('Cardiomegaly')]).toBe(0);
    const ignore = await loadDataset('chexpert-v1.0-small', { root, split: 'train', policy: 'u-ignore' });
    const item = ignore.items[3]!;
    expect(item.mask![col('Atelectasis')]).toBe(0);
    expect(item.mask![col('Fracture')]).toBe(1);
    expect(item.labels[col('Fracture')]).toBe(1);
    expect(item.mask!.filter((m) => m === 0)).toHaveLength(1);
    expect(ignore.contentHash).not.toBe(zeros.contentHash);
  });

  it('handles the Path prefix whether root is the CheXpert folder or its parent; parses patient and view', async () => {
    const a = await loadDataset('chexpert-v1.0-small', { root, split: 'train', policy: 'u-ones' });
    const b = await loadDataset('chexpert-v1.0-small', { root: parent, split: 'train', policy: 'u-ones' });
    expect(b.items.map((i) => i.id)).toEqual(a.items.map((i) => i.id));
    expect(a.items[0]!.id).toBe('train/patient00001/study1/view1_frontal.jpg');
    expect(a.items[0]!.image).toEqual({ kind: 'file', path: path.join(root, 'train/patient00001/study1/view1_frontal.jpg') });
    expect(a.items.map((i) => i.patientId)).toEqual(['patient00001', 'patient00002', 'patient00002', 'patient00003']);
    expect(a.items.map((i) => i.view)).toEqual(['AP', 'AP', 'Lateral', 'PA']);
  });

  it('frontalOnly drops lateral images; a label subset keeps the requested order', async () => {
    const ds = await loadDataset('chexpert-v1.0-small', { root, split: 'train', policy: 'u-ones', frontalOnly: true, labels: ['Edema', 'Support Devices'] });
    expect(ds.items.map((i) => i.view)).toEqual(['AP', 'AP', 'PA']);
    expect(ds.labelNames).toEqual(['Edema', 'Support Devices']);
    expect(ds.items.map((i) => i.labels)).toEqual([[0, 1], [1, 0], [0, 0]]);
  });

  it('reads valid.csv', async () => {
    const ds = await loadDataset('chexpert-v1.0-small', { root, split: 'valid', policy: 'u-ones', labels: ['Edema'] });
    expect(ds.items.map((i) => [i.id, i.labels[0], i.sourceSplit])).toEqual([['valid/patient64541/study1/view1_frontal.jpg', 1, 'valid']]);
  });

  it('bad label values fail naming file, row and field, or are skipped and listed', async () => {
    const bad = tempDir('chexpert-bad');
    try {
      const rows = [...TRAIN_ROWS];
      rows[2] = rows[2]!.replace(',1.0,', ',2.0,'); // Edema = 2.0 on file line 4
      writeFileSync(path.join(bad.dir, 'train.csv'), [HEADER, ...rows].join('\n'));
      for (const row of TRAIN_ROWS) {
        const rel = row.split(',')[0]!.replace('CheXpert-v1.0-small/', '');
        mkdirSync(path.dirname(path.join(bad.dir, rel)), { recursive: true });
        await writePatternPng(path.join(bad.dir, rel), 4, 4, 1);
      }
      const err = await loadDataset('chexpert-v1.0-small', { root: bad.dir, split: 'train', policy: 'u-ones' }).catch((e) => e);
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toContain('train.csv');
      expect(err.details).toMatchObject({ row: 4, field: 'Edema' });
      const skipped = await loadDataset('chexpert-v1.0-small', { root: bad.dir, split: 'train', policy: 'u-ones', onBadRow: 'skip' });
      expect(skipped.items).toHaveLength(3);
      expect(skipped.skipped).toHaveLength(1);
      expect(skipped.skipped[0]).toMatchObject({ row: 4 });
      expect(skipped.skipped[0]!.reason).toContain('Edema');
    } finally {
      bad.cleanup();
    }
  });

  it('a CSV without an observation column fails naming the column', async () => {
    const bad = tempDir('chexpert-col');
    try {
      writeFileSync(path.join(bad.dir, 'train.csv'), HEADER.replace(',Edema', '') + '\n');
      const err = await loadDataset('chexpert-v1.0-small', { root: bad.dir, split: 'train', policy: 'u-ones' }).catch((e) => e);
      expect(err).toBeInstanceOf(DataError);
      expect(err.message).toMatch(/train\.csv, row 1: missing column "Edema"/);
    } finally {
      bad.cleanup();
    }
  });
});
