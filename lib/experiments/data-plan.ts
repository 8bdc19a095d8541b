/**
 * The data side of a run: dataset loading (memoised per process), the split, the nested training subsets and
 * per-split label counts. Parent and workers compute the same plan from the same inputs; the split hash in the
 * run config guards that they agree.
 */
import { datasetEntry, loadDataset, type DatasetId } from '../data/registry';
import { splitDataset, subsampleNested, type Dataset, type DatasetItem, type Splits } from '../data/index';
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
  method: 'source' | 'patient-stratified';
}

/**
 * The dataset's own split when every item has one of train/val/test (the COVID set's split_suggested), else a
 * patient-grouped split stratified on the first label, seed 0, 70/15/15. The split is fixed across seeds:
 * seeds vary initialisation, batch order and the training subset, not which images are tested on.
 */
export function chooseSplit(dataset: Dataset): SplitChoice {
  const known = new Set(['train', 'val', 'valid', 'validation', 'test']);
  const sources = new Set(dataset.items.map((item) => item.sourceSplit));
  const complete = dataset.items.every((item) => item.sourceSplit !== undefined && known.has(item.sourceSplit));
  const hasAll = ['train', 'test'].every((s) => sources.has(s)) && ['val', 'valid', 'validation'].some((s) => sources.has(s));
  if (complete && hasAll) return { splits: splitDataset(dataset, { seed: SPLIT_SEED, useSourceSplit: true }), method: 'source' };
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
