/**
 * What a train/val/test boundary holds, for the exploration notebook: images, patients and both classes per split,
 * patients whose images sit on both sides of it, and byte-identical images (which must never sit on both sides).
 * Computations only, on items already loaded and split; the notebook draws and writes.
 */
import type { Splits } from '../data/splits';
import type { DatasetItem, SplitName } from '../data/types';

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

const patientOf = (item: DatasetItem): string => item.patientId ?? `item:${item.id}`;

export interface SplitClassRow {
  split: SplitName;
  images: number;
  patients: number;
  /** Counted positives and negatives of the label (masked labels count as neither). */
  positives: number;
  negatives: number;
  /** positives / (positives + negatives); NaN for a split with no counted label. */
  prevalence: number;
}

/** One row per split: images, distinct patients, and the two classes of label `labelIndex`. */
export function splitClassRows(splits: Pick<Splits, SplitName>, labelIndex = 0): SplitClassRow[] {
  return SPLITS.map((split) => {
    const items = splits[split];
    const counted = items.filter((it) => (it.mask?.[labelIndex] ?? 1) === 1);
    const positives = counted.filter((it) => it.labels[labelIndex] === 1).length;
    const negatives = counted.length - positives;
    return {
      split,
      images: items.length,
      patients: new Set(items.map(patientOf)).size,
      positives,
      negatives,
      prevalence: counted.length === 0 ? NaN : positives / counted.length,
    };
  });
}

export interface TestPatientOverlap {
  testPatients: number;
  /** Test patients who also have images in train, and (others) in val: the model saw them in training or selection. */
  alsoInTrain: number;
  alsoInVal: number;
  testImages: number;
  /** Test images of those patients, and how many of them are positive for label `labelIndex`. */
  testImagesOfThem: number;
  positivesOfThem: number;
}

/** Words for the fields of `TestPatientOverlap` when it is shown as a table. */
export const OVERLAP_HEADERS: Readonly<Record<string, string>> = {
  testPatients: 'test patients',
  alsoInTrain: 'also in train',
  alsoInVal: 'also in val',
  testImages: 'test images',
  testImagesOfThem: 'test images of those patients',
  positivesOfThem: 'of which positive',
};

/** Test patients who also have images in train or val (0 everywhere for a patient-grouped split). */
export function testPatientOverlap(splits: Pick<Splits, SplitName>, labelIndex = 0): TestPatientOverlap {
  const inTrain = new Set(splits.train.map(patientOf));
  const inVal = new Set(splits.val.map(patientOf));
  const seen = (item: DatasetItem): boolean => inTrain.has(patientOf(item)) || inVal.has(patientOf(item));
  const testPatients = new Set(splits.test.map(patientOf));
  const ofThem = splits.test.filter(seen);
  return {
    testPatients: testPatients.size,
    alsoInTrain: [...testPatients].filter((p) => inTrain.has(p)).length,
    alsoInVal: [...testPatients].filter((p) => !inTrain.has(p) && inVal.has(p)).length,
    testImages: splits.test.length,
    testImagesOfThem: ofThem.length,
    positivesOfThem: ofThem.filter((it) => it.labels[labelIndex] === 1 && (it.mask?.[labelIndex] ?? 1) === 1).length,
  };
}

export interface DuplicateGroup {
  sha256: string;
  /** Two or more items whose image bytes are identical, in the dataset's order. */
  items: DatasetItem[];
}

/** Items with byte-identical images (same imageSha256), grouped; items the loader did not hash are left out. */
export function duplicateImageGroups(items: readonly DatasetItem[]): DuplicateGroup[] {
  const bySha = new Map<string, DatasetItem[]>();
  for (const item of items) {
    if (item.imageSha256 === undefined) continue;
    bySha.set(item.imageSha256, [...(bySha.get(item.imageSha256) ?? []), item]);
  }
  return [...bySha].filter(([, group]) => group.length > 1).map(([sha256, group]) => ({ sha256, items: group }));
}

export interface DuplicateSummary {
  /** Items whose image was hashed (0: the loader did not read the files, nothing was checked). */
  hashed: number;
  groups: number;
  files: number;
  /** Groups whose copies belong to different patients, or carry different labels. */
  acrossPatients: number;
  conflictingLabels: number;
  /** Groups with copies in two splits of `splits` (the split functions refuse this, so 0 when they ran). */
  acrossSplits: number;
}

/** Words for the fields of `DuplicateSummary` when it is shown as a table. */
export const DUPLICATE_HEADERS: Readonly<Record<string, string>> = {
  hashed: 'images hashed',
  groups: 'groups of identical images',
  files: 'files in them',
  acrossPatients: 'groups across patients',
  conflictingLabels: 'groups with different labels',
  acrossSplits: 'groups across splits',
};

export function duplicateSummary(items: readonly DatasetItem[], splits?: Pick<Splits, 'assignment'>): DuplicateSummary {
  const groups = duplicateImageGroups(items);
  const distinctOf = (group: DuplicateGroup, key: (item: DatasetItem) => string | undefined): number => new Set(group.items.map(key)).size;
  return {
    hashed: items.filter((it) => it.imageSha256 !== undefined).length,
    groups: groups.length,
    files: groups.reduce((n, g) => n + g.items.length, 0),
    acrossPatients: groups.filter((g) => distinctOf(g, patientOf) > 1).length,
    conflictingLabels: groups.filter((g) => distinctOf(g, (it) => it.labels.join(',')) > 1).length,
    acrossSplits: splits ? groups.filter((g) => distinctOf(g, (it) => splits.assignment.get(it.id)) > 1).length : 0,
  };
}
