import { toFrame, type DataFrame } from '../util/frame';
import type { Splits } from './splits';
import { SPLIT_NAMES } from './splits';
import type { Dataset, DatasetItem } from './types';

export interface LabelSummaryRow {
  label: string;
  positives: number;
  negatives: number;
  /** Items whose label is masked out (U-Ignore). */
  ignored: number;
  /** positives / (positives + negatives), over counted labels. */
  prevalence: number;
  /** "1:19.0": negatives per positive, the form the paper quotes. */
  ratio: string;
}

export interface CountRow {
  value: string;
  items: number;
}

export interface SplitSummaryRow {
  split: string;
  items: number;
  patients: number;
  [positivesPerLabel: string]: string | number;
}

/** Label prevalence and positive:negative ratio as plain rows (tests and text use these; notebooks the frames). */
export function labelSummary(dataset: Pick<Dataset, 'labelNames' | 'items'>, items: DatasetItem[] = dataset.items): LabelSummaryRow[] {
  return dataset.labelNames.map((label, k) => {
    let positives = 0;
    let negatives = 0;
    let ignored = 0;
    for (const item of items) {
      if ((item.mask?.[k] ?? 1) !== 1) ignored++;
      else if (item.labels[k] === 1) positives++;
      else negatives++;
    }
    const counted = positives + negatives;
    return {
      label,
      positives,
      negatives,
      ignored,
      prevalence: counted === 0 ? NaN : positives / counted,
      ratio: positiveNegativeRatio(positives, negatives),
    };
  });
}

/** "1:19.0" when negatives dominate (the paper's form), "2.5:1" when positives do, "0:n" / "n:0" at the ends. */
export function positiveNegativeRatio(positives: number, negatives: number): string {
  if (positives === 0 || negatives === 0) return `${positives}:${negatives}`;
  return positives <= negatives ? `1:${(negatives / positives).toFixed(1)}` : `${(positives / negatives).toFixed(1)}:1`;
}

/** Images per view, most frequent first ('(none)' for items without a view). */
export function viewSummary(items: DatasetItem[]): CountRow[] {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.view ?? '(none)', (counts.get(item.view ?? '(none)') ?? 0) + 1);
  return [...counts.entries()].map(([value, n]) => ({ value, items: n })).sort((a, b) => b.items - a.items || (a.value < b.value ? -1 : 1));
}

/** Items, distinct patients and positives per label for each split. */
export function splitSummary(dataset: Pick<Dataset, 'labelNames'>, splits: Pick<Splits, 'train' | 'val' | 'test'>): SplitSummaryRow[] {
  return SPLIT_NAMES.map((split) => {
    const items = splits[split];
    const row: SplitSummaryRow = {
      split,
      items: items.length,
      patients: new Set(items.map((it) => it.patientId ?? `item:${it.id}`)).size,
    };
    dataset.labelNames.forEach((label, k) => {
      row[`${label} +`] = items.filter((it) => it.labels[k] === 1 && (it.mask?.[k] ?? 1) === 1).length;
    });
    return row;
  });
}


/** Label prevalence table as a danfojs DataFrame (for the exploration notebook). */
export function summarizeLabels(dataset: Pick<Dataset, 'labelNames' | 'items'>, items?: DatasetItem[]): DataFrame {
  return toFrame(labelSummary(dataset, items));
}

export function summarizeViews(items: DatasetItem[]): DataFrame {
  return toFrame(viewSummary(items));
}

export function summarizeSplits(dataset: Pick<Dataset, 'labelNames'>, splits: Pick<Splits, 'train' | 'val' | 'test'>): DataFrame {
  return toFrame(splitSummary(dataset, splits));
}
