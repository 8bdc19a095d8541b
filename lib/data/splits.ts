import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { ConfigError, DataError } from '../errors';
import { createRng, deriveSeed } from '../util/random';
import { csvField } from './csv';
import { sha256Hex } from '../util/hash';
import { labelCounts } from './label-counts';
import type { Dataset, DatasetItem, SplitName } from './types';

export const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

export interface Splits {
  train: DatasetItem[];
  val: DatasetItem[];
  test: DatasetItem[];
  /** Item id -> split. */
  assignment: Map<string, SplitName>;
  /** sha256 of the sorted "id,split" lines: the split's identity in provenance records. */
  hash: string;
}

export interface SplitOptions {
  seed: number;
  ratios?: { train: number; val: number; test: number };
  /** Label name (or index) whose positives are spread evenly; default: the only label of single-label sets. */
  stratifyLabel?: string | number;
  /** 'patient' (default) keeps all images of a patient in one split; items without a patient id stand alone. */
  groupBy?: 'patient' | 'item';
  /** Use each item's `sourceSplit` (e.g. the COVID set's split_suggested) instead of drawing one. */
  useSourceSplit?: boolean;
  /** Accept a patient in two splits (only for a source split whose overlap is documented: Dataset.sourceSplitOverlap). */
  allowPatientOverlap?: boolean;
}

const patientKey = (item: DatasetItem, groupBy: 'patient' | 'item'): string =>
  groupBy === 'patient' && item.patientId !== undefined ? `p:${item.patientId}` : `i:${item.id}`;

function resolveLabelIndex(dataset: Dataset, label: string | number | undefined, what: string): number | undefined {
  if (label === undefined) return dataset.labelNames.length === 1 ? 0 : undefined;
  const index = typeof label === 'number' ? label : dataset.labelNames.indexOf(label);
  if (!Number.isInteger(index) || index < 0 || index >= dataset.labelNames.length) {
    throw new ConfigError(`${what}: unknown label ${JSON.stringify(label)} (labels: ${dataset.labelNames.join(', ')})`, { field: 'stratifyLabel' });
  }
  return index;
}

/**
 * The units a split moves as a whole: a patient's images (or each item alone under groupBy 'item'), merged with
 * every other group holding a byte-identical image, so the same picture under two ids never ends up in two
 * splits. A merged group is keyed by its smallest member key, which keeps the split independent of item order
 * (and unchanged for data without duplicates).
 */
function splitGroups(items: DatasetItem[], groupBy: 'patient' | 'item'): Map<string, DatasetItem[]> {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(key, root);
    return root;
  };
  const keyBySha = new Map<string, string>();
  for (const item of items) {
    const key = patientKey(item, groupBy);
    if (!parent.has(key)) parent.set(key, key);
    if (item.imageSha256 === undefined) continue;
    const other = keyBySha.get(item.imageSha256);
    if (other === undefined) {
      keyBySha.set(item.imageSha256, key);
      continue;
    }
    const [a, b] = [find(key), find(other)];
    if (a !== b) {
      if (a < b) parent.set(b, a);
      else parent.set(a, b);
    }
  }
  const groups = new Map<string, DatasetItem[]>();
  for (const item of items) {
    const root = find(patientKey(item, groupBy));
    const list = groups.get(root);
    if (list) list.push(item);
    else groups.set(root, [item]);
  }
  return groups;
}

/**
 * Patient-grouped, label-stratified, seeded train/val/test split. Patients (groups) are split into two strata by
 * whether any of their images is positive for the stratify label; within a stratum, groups in seeded random
 * order go one at a time to the split furthest below its target image count. The same (items, seed, options)
 * always give the same split, whatever order the items come in.
 */
export function splitDataset(dataset: Dataset, options: SplitOptions): Splits {
  if (options.useSourceSplit) return splitsFromSource(dataset, options.allowPatientOverlap === true);
  const ratios = options.ratios ?? { train: 0.7, val: 0.15, test: 0.15 };
  const total = ratios.train + ratios.val + ratios.test;
  if (SPLIT_NAMES.some((s) => !(ratios[s] >= 0)) || !(Math.abs(total - 1) < 1e-9)) {
    throw new ConfigError(`splitDataset: ratios must be >= 0 and sum to 1, got ${JSON.stringify(ratios)}`, { field: 'ratios' });
  }
  const groupBy = options.groupBy ?? 'patient';
  const labelIndex = resolveLabelIndex(dataset, options.stratifyLabel, 'splitDataset');
  const groups = splitGroups(dataset.items, groupBy);
  const strata = new Map<string, string[]>();
  for (const [key, list] of groups) {
    const stratum = labelIndex === undefined ? 'all' : list.some((it) => it.labels[labelIndex] === 1 && (it.mask?.[labelIndex] ?? 1) === 1) ? 'pos' : 'neg';
    const keys = strata.get(stratum) ?? [];
    keys.push(key);
    strata.set(stratum, keys);
  }
  const assignment = new Map<string, SplitName>();
  for (const [stratum, keys] of [...strata.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    keys.sort();
    createRng(deriveSeed(options.seed, 'split', stratum)).shuffle(keys);
    const stratumSize = keys.reduce((n, k) => n + groups.get(k)!.length, 0);
    const filled: Record<SplitName, number> = { train: 0, val: 0, test: 0 };
    for (const key of keys) {
      // The split with the largest shortfall against its target takes the next patient (ties: train, val, test).
      let best: SplitName = 'train';
      let bestDeficit = -Infinity;
      for (const s of SPLIT_NAMES) {
        if (ratios[s] === 0) continue;
        const deficit = ratios[s] * stratumSize - filled[s];
        if (deficit > bestDeficit + 1e-12) {
          best = s;
          bestDeficit = deficit;
        }
      }
      for (const item of groups.get(key)!) assignment.set(item.id, best);
      filled[best] += groups.get(key)!.length;
    }
  }
  return applySplits(dataset, assignment);
}

function splitsFromSource(dataset: Dataset, allowPatientOverlap: boolean): Splits {
  const assignment = new Map<string, SplitName>();
  for (const item of dataset.items) {
    const raw = item.sourceSplit;
    const split = raw === 'valid' || raw === 'validation' ? 'val' : raw;
    if (split !== 'train' && split !== 'val' && split !== 'test') {
      throw new DataError(`item "${item.id}": source split ${JSON.stringify(raw)} is not train, val or test`, { key: item.id, field: 'sourceSplit' });
    }
    assignment.set(item.id, split);
  }
  return applySplits(dataset, assignment, { allowPatientOverlap });
}

/** Builds the split lists from an id -> split map; every item must be assigned, and every id must exist. */
export function applySplits(dataset: Dataset, assignment: Map<string, SplitName>, options: { allowPatientOverlap?: boolean } = {}): Splits {
  const out: Splits = { train: [], val: [], test: [], assignment, hash: splitHash(assignment) };
  const known = new Set<string>();
  for (const item of dataset.items) {
    known.add(item.id);
    const split = assignment.get(item.id);
    if (split === undefined) throw new DataError(`split: item "${item.id}" has no split`, { key: item.id });
    out[split].push(item);
  }
  for (const id of assignment.keys()) {
    if (!known.has(id)) throw new DataError(`split: id "${id}" is not in dataset "${dataset.id}"`, { key: id });
  }
  if (options.allowPatientOverlap !== true) assertNoPatientLeak(out);
  assertNoImageLeak(out);
  return out;
}

export function splitHash(assignment: Map<string, SplitName>): string {
  const lines = [...assignment.entries()].map(([id, s]) => `${id},${s}`).sort();
  return sha256Hex(lines.join('\n'));
}

/** The first two items sharing `keyOf` that sit in different splits, if any (items without a key are skipped). */
function crossSplitPair(
  splits: Pick<Splits, 'train' | 'val' | 'test'>,
  keyOf: (item: DatasetItem) => string | undefined,
): { key: string; first: { split: SplitName; item: DatasetItem }; second: { split: SplitName; item: DatasetItem } } | undefined {
  const seen = new Map<string, { split: SplitName; item: DatasetItem }>();
  for (const split of SPLIT_NAMES) {
    for (const item of splits[split]) {
      const key = keyOf(item);
      if (key === undefined) continue;
      const prior = seen.get(key);
      if (prior && prior.split !== split) return { key, first: prior, second: { split, item } };
      if (!prior) seen.set(key, { split, item });
    }
  }
  return undefined;
}

/** Throws a DataError naming the first patient found in two splits. */
export function assertNoPatientLeak(splits: Pick<Splits, 'train' | 'val' | 'test'>): void {
  const pair = crossSplitPair(splits, (item) => item.patientId);
  if (!pair) return;
  throw new DataError(
    `patient "${pair.key}" is in two splits: ${pair.first.split} (item "${pair.first.item.id}") and ${pair.second.split} (item "${pair.second.item.id}")`,
    { key: pair.key, field: 'patientId' },
  );
}

const describeItem = ({ item, split }: { item: DatasetItem; split: SplitName }): string =>
  `${split} item "${item.id}"${item.origin ? ` (${item.origin.file}, row ${item.origin.row})` : ''}`;

/** Throws a DataError naming both items (and their label-file rows) when identical images are in two splits. */
export function assertNoImageLeak(splits: Pick<Splits, 'train' | 'val' | 'test'>): void {
  const pair = crossSplitPair(splits, (item) => item.imageSha256);
  if (!pair) return;
  throw new DataError(
    `the same image is in two splits: ${describeItem(pair.first)} and ${describeItem(pair.second)} have identical bytes ` +
      `(sha256 ${pair.key.slice(0, 12)}…); give them one split, or drop one`,
    { key: pair.second.item.id, field: 'image', rows: [pair.first.item.origin?.row, pair.second.item.origin?.row] },
  );
}

/**
 * Before training: every split must have items, and validation and test must each have at least one label with
 * both a counted positive and a counted negative (else selection and test metrics are undefined and the run
 * would end 'ok' with null metrics). Throws a DataError naming the split and label; returns a note for each
 * label that is single-class in val or test while others are not (its metrics will be null).
 */
export function checkEvaluable(splits: Pick<Splits, 'train' | 'val' | 'test'>, labelNames: string[], what: string): string[] {
  const notes: string[] = [];
  for (const split of SPLIT_NAMES) {
    const items = splits[split];
    if (items.length === 0) throw new DataError(`${what}: the ${split} split is empty`, { field: split });
    if (split === 'train') continue;
    const { positives, negatives } = labelCounts(items, labelNames.length);
    const single = labelNames.flatMap((label, k) =>
      positives[k]! > 0 && negatives[k]! > 0 ? [] : [`"${label}" (${positives[k]} positive, ${negatives[k]} negative)`],
    );
    if (single.length === labelNames.length) {
      throw new DataError(
        `${what}: the ${split} split (${items.length} items) has no label with both classes: ${single.join(', ')}; AUROC and AUPRC are undefined there`,
        { field: split },
      );
    }
    if (single.length > 0) notes.push(`${split} split: ${single.join(', ')}: no AUROC or AUPRC for ${single.length === 1 ? 'this label' : 'these labels'}`);
  }
  return notes;
}

const HEADER_PREFIX = '# rethink-tl splits v1';

/**
 * Saves the split as CSV (id,split) sorted by id, with a comment line carrying the dataset id, its content hash
 * and the split hash, so a later run can check it is reusing the same split on the same data.
 */
export function saveSplits(file: string, splits: Splits, dataset?: Pick<Dataset, 'id' | 'contentHash'>): void {
  const meta = [`hash=${splits.hash}`];
  if (dataset) meta.push(`dataset=${dataset.id}`, `contentHash=${dataset.contentHash}`);
  const rows = [...splits.assignment.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const text = [`${HEADER_PREFIX} ${meta.join(' ')}`, 'id,split', ...rows.map(([id, s]) => `${csvField(id)},${s}`)].join('\n');
  writeFileSync(file, `${text}\n`);
}

export interface LoadedSplits {
  assignment: Map<string, SplitName>;
  hash: string;
  dataset?: string;
  contentHash?: string;
}

/** Reads a saved split, checking its hash; `applySplits(dataset, loaded.assignment)` then gives the lists. */
export function loadSplits(file: string): LoadedSplits {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataError(`${file}: cannot read splits (${(err as Error).message})`, { file });
  }
  const first = text.split('\n', 1)[0] ?? '';
  if (!first.startsWith(HEADER_PREFIX)) throw new DataError(`${file}, row 1: not a rethink-tl splits file`, { file, row: 1 });
  const meta = Object.fromEntries(first.slice(HEADER_PREFIX.length).trim().split(/\s+/).map((kv) => kv.split('=', 2) as [string, string]));
  const records = parse(text, { comment: '#', columns: true, skip_empty_lines: true, info: true }) as unknown as Array<{
    record: Record<string, string>;
    info: { lines: number };
  }>;
  const assignment = new Map<string, SplitName>();
  for (const { record, info } of records) {
    const id = record.id;
    const split = record.split as SplitName;
    if (id === undefined || id === '') throw new DataError(`${file}, row ${info.lines}, field "id": missing id`, { file, row: info.lines, field: 'id' });
    if (!SPLIT_NAMES.includes(split)) {
      throw new DataError(`${file}, row ${info.lines}, field "split": "${record.split}" is not train, val or test`, { file, row: info.lines, field: 'split' });
    }
    if (assignment.has(id)) throw new DataError(`${file}, row ${info.lines}, field "id": duplicate id "${id}"`, { file, row: info.lines, field: 'id' });
    assignment.set(id, split);
  }
  const hash = splitHash(assignment);
  if (meta.hash !== undefined && meta.hash !== hash) {
    throw new DataError(`${file}: split hash mismatch (file says ${meta.hash}, rows hash to ${hash}); the file was edited`, { file, field: 'hash' });
  }
  return { assignment, hash, dataset: meta.dataset, contentHash: meta.contentHash };
}
