import { describe, expect, it } from 'vitest';
import { applySplits } from '../../lib/data/splits';
import type { Dataset, DatasetItem, SplitName } from '../../lib/data/types';
import { duplicateImageGroups, duplicateSummary, splitClassRows, testPatientOverlap } from '../../lib/report/explore-splits';

function item(id: string, patientId: string, label: number, sha?: string, mask?: number): DatasetItem {
  return {
    id,
    patientId,
    image: { kind: 'file', path: `${id}.png` },
    labels: [label],
    ...(mask === undefined ? {} : { mask: [mask] }),
    ...(sha ? { imageSha256: sha } : {}),
  };
}

function dataset(items: DatasetItem[]): Dataset {
  return { id: 'toy', title: 'toy', labelNames: ['pneumonia'], items, synthetic: false, contentHash: 'x', skipped: [] };
}

/** A split given as id -> split, allowing patients on both sides (as a source split with documented overlap does). */
function split(items: DatasetItem[], assignment: Record<string, SplitName>) {
  return applySplits(dataset(items), new Map(Object.entries(assignment)), { allowPatientOverlap: true });
}

describe('splitClassRows', () => {
  it('counts images, patients and both classes per split, leaving masked labels out of both classes', () => {
    const items = [item('a', 'p1', 1), item('b', 'p1', 0), item('c', 'p2', 1), item('d', 'p3', 0, undefined, 0), item('e', 'p4', 1)];
    const rows = splitClassRows(split(items, { a: 'train', b: 'train', c: 'train', d: 'val', e: 'test' }));
    expect(rows).toEqual([
      { split: 'train', images: 3, patients: 2, positives: 2, negatives: 1, prevalence: 2 / 3 },
      { split: 'val', images: 1, patients: 1, positives: 0, negatives: 0, prevalence: NaN },
      { split: 'test', images: 1, patients: 1, positives: 1, negatives: 0, prevalence: 1 },
    ]);
  });
});

describe('testPatientOverlap', () => {
  it('finds test patients the model saw in training or selection, and their test images by class', () => {
    const items = [
      item('a1', 'p1', 1), item('a2', 'p1', 1), // p1: train and test
      item('b1', 'p2', 0), item('b2', 'p2', 0), // p2: val and test
      item('c1', 'p3', 1), // p3: test only
      item('d1', 'p4', 0), // p4: train only
    ];
    const s = split(items, { a1: 'train', a2: 'test', b1: 'val', b2: 'test', c1: 'test', d1: 'train' });
    expect(testPatientOverlap(s)).toEqual({ testPatients: 3, alsoInTrain: 1, alsoInVal: 1, testImages: 3, testImagesOfThem: 2, positivesOfThem: 1 });
    const grouped = split(items, { a1: 'train', a2: 'train', b1: 'val', b2: 'val', c1: 'test', d1: 'train' });
    expect(testPatientOverlap(grouped)).toMatchObject({ alsoInTrain: 0, alsoInVal: 0, testImagesOfThem: 0 });
  });
});

describe('duplicate images', () => {
  const items = [
    item('a', 'p1', 1, 'sha-1'),
    item('b', 'p2', 1, 'sha-1'), // same bytes, another patient
    item('c', 'p3', 0, 'sha-2'),
    item('d', 'p3', 1, 'sha-2'), // same bytes, same patient, other label
    item('e', 'p4', 0, 'sha-3'),
    item('f', 'p5', 0), // not hashed
  ];

  it('groups items with identical image bytes, in dataset order', () => {
    expect(duplicateImageGroups(items).map((g) => [g.sha256, g.items.map((it) => it.id)])).toEqual([
      ['sha-1', ['a', 'b']],
      ['sha-2', ['c', 'd']],
    ]);
  });

  it('says how many, across patients, with conflicting labels, and across splits', () => {
    const assignment = new Map<string, SplitName>([['a', 'train'], ['b', 'test'], ['c', 'val'], ['d', 'val'], ['e', 'test'], ['f', 'test']]);
    expect(duplicateSummary(items, { assignment })).toEqual({ hashed: 5, groups: 2, files: 4, acrossPatients: 1, conflictingLabels: 1, acrossSplits: 1 });
    expect(duplicateSummary(items).acrossSplits).toBe(0);
    expect(duplicateSummary([item('x', 'p', 0)])).toMatchObject({ hashed: 0, groups: 0 });
  });
});
