/**
 * The data side of a run: dataset loading (memoised per process), the split, the nested training subsets and
 * per-split label counts. Parent and workers compute the same plan from the same inputs; the split hash in the
 * run config guards that they agree.
 */
import { datasetEntry, loadDataset, type DatasetId } from '../data/registry';
import { applySplits, splitDataset, subsampleNested, type Dataset, type DatasetItem, type Splits } from '../data/index';
import { DataError } from '../errors';
import { canonicalJson, sha256Hex } from '../util/hash';
export { labelCounts } from '../data/label-counts';
import type { DatasetRef } from './types';

const datasets = new Map<string, Promise<Dataset>>();

/** A dataset reference as grids and the CLI give it (id and options, validated against the loader's schema). */
export async function loadDatasetRef(ref: DatasetRef): Promise<Dataset> {
  datasetEntry(ref.id);
  return loadDataset(ref.id as DatasetId, ref.options as never);
}

/**
 * The dataset, loaded once per process. `reload` loads it again and replaces the memo: planning does, so a long
 * session (a notebook) sees files that changed since its last grid; the runs of one grid then share that load.
 */
export function loadDatasetCached(ref: DatasetRef, options: { reload?: boolean } = {}): Promise<Dataset> {
  const key = canonicalJson(ref);
  let promise = options.reload ? undefined : datasets.get(key);
  if (!promise) {
    promise = loadDatasetRef(ref);
    datasets.set(key, promise);
    promise.catch(() => datasets.delete(key));
  }
  return promise;
}

export const SPLIT_SEED = 0;

export interface SplitChoice {
  splits: Splits;
  /** 'source-val-carved': the source's train/test, with val drawn from its train patients (10 %, seed 0). */
  method: 'source' | 'source-val-carved' | 'patient-stratified';
}

const SOURCE_SPLIT_NAMES = new Set(['train', 'val', 'valid', 'validation', 'test']);
const isVal = (split: string | undefined): boolean => split === 'val' || split === 'valid' || split === 'validation';

/** Val drawn from the source's train patients (stratified on the first label, seed 0); test stays the source's. */
function carveValFromSourceTrain(dataset: Dataset, allowPatientOverlap: boolean): Splits {
  const trainOnly: Dataset = { ...dataset, items: dataset.items.filter((item) => item.sourceSplit === 'train') };
  const carved = splitDataset(trainOnly, { seed: SPLIT_SEED, ratios: { train: 0.9, val: 0.1, test: 0 }, stratifyLabel: 0, groupBy: 'patient' });
  const assignment = new Map(carved.assignment);
  for (const item of dataset.items) if (item.sourceSplit === 'test') assignment.set(item.id, 'test');
  return applySplits(dataset, assignment, { allowPatientOverlap });
}

/**
 * The dataset's own split when every item has one of train/val/test (the COVID set's split_suggested); its own
 * train/test with a val carved from train when it has no val (Kermany's official split); else a patient-grouped
 * split stratified on the first label, seed 0, 70/15/15. The split is fixed across seeds: seeds vary
 * initialisation, batch order and the training subset, not which images are tested on. A source split may put a
 * patient in two splits only when the dataset documents it (Dataset.sourceSplitOverlap).
 */
export function chooseSplit(dataset: Dataset): SplitChoice {
  const sources = new Set(dataset.items.map((item) => item.sourceSplit));
  const complete = dataset.items.every((item) => item.sourceSplit !== undefined && SOURCE_SPLIT_NAMES.has(item.sourceSplit));
  const hasTrainAndTest = sources.has('train') && sources.has('test');
  const hasVal = [...sources].some(isVal);
  const allowPatientOverlap = dataset.sourceSplitOverlap !== undefined;
  if (complete && hasTrainAndTest && hasVal) {
    return { splits: splitDataset(dataset, { seed: SPLIT_SEED, useSourceSplit: true, allowPatientOverlap }), method: 'source' };
  }
  if (complete && hasTrainAndTest) return { splits: carveValFromSourceTrain(dataset, allowPatientOverlap), method: 'source-val-carved' };
  return {
    splits: splitDataset(dataset, { seed: SPLIT_SEED, stratifyLabel: 0, groupBy: 'patient' }),
    method: 'patient-stratified',
  };
}

export function trainingSubset(splits: Splits, ladder: number[], fraction: number, seed: number, labelNames: string[]): DatasetItem[] {
  const subsets = subsampleNested(splits.train, ladder, { seed, labelIndex: 0, labelNames });
  const subset = subsets.get(fraction);
  if (!subset) throw new DataError(`fraction ${fraction} is not in the ladder ${JSON.stringify(ladder)}`, { field: 'fraction' });
  return subset;
}

export function idsHash(items: DatasetItem[]): string {
  return sha256Hex(items.map((i) => i.id).sort().join('\n'));
}
