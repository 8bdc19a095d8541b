import { ConfigError, DataError } from '../errors';
import { createRng, deriveSeed } from '../util/random';
import { labelCounts } from './label-counts';
import type { DatasetItem } from './types';

export interface SubsampleOptions {
  seed: number;
  /** Label whose positives and negatives are sampled in proportion (default 0: the first label). */
  labelIndex?: number;
  /** Names for error messages (default "label <index>"). */
  labelNames?: string[];
}

/**
 * Nested, stratified, seeded training subsets: one seeded order per stratum (positive / negative for
 * `labelIndex`), and each fraction takes the first round(f * n) of every stratum (at least one when the stratum
 * is not empty), so a smaller fraction is always inside a larger one (5% inside 10% inside 100%). Every subset
 * must keep at least one counted positive and one counted negative for every label, or this fails naming the
 * fraction and the label.
 */
export function subsampleNested(items: DatasetItem[], fractions: number[] = [0.05, 0.1, 1], options: SubsampleOptions): Map<number, DatasetItem[]> {
  if (fractions.length === 0 || fractions.some((f) => !(f > 0 && f <= 1))) {
    throw new ConfigError(`subsampleNested: fractions must be in (0, 1], got ${JSON.stringify(fractions)}`, { field: 'fractions' });
  }
  if (items.length === 0) throw new DataError('subsampleNested: no training items', { field: 'items' });
  const numLabels = items[0]!.labels.length;
  const labelIndex = options.labelIndex ?? 0;
  if (!Number.isInteger(labelIndex) || labelIndex < 0 || labelIndex >= numLabels) {
    throw new ConfigError(`subsampleNested: labelIndex ${labelIndex} out of range (0..${numLabels - 1})`, { field: 'labelIndex' });
  }
  const nameOf = (k: number): string => options.labelNames?.[k] ?? `label ${k}`;
  // Canonical order first, so the result does not depend on the order items were passed in.
  const sorted = [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const strata: Record<'pos' | 'neg', DatasetItem[]> = { pos: [], neg: [] };
  for (const item of sorted) strata[item.labels[labelIndex] === 1 ? 'pos' : 'neg'].push(item);
  for (const key of ['neg', 'pos'] as const) createRng(deriveSeed(options.seed, 'subsample', key)).shuffle(strata[key]);

  const out = new Map<number, DatasetItem[]>();
  for (const fraction of [...fractions].sort((a, b) => a - b)) {
    const subset: DatasetItem[] = [];
    for (const key of ['pos', 'neg'] as const) {
      const n = strata[key].length;
      const take = n === 0 ? 0 : Math.min(n, Math.max(1, Math.round(fraction * n)));
      subset.push(...strata[key].slice(0, take));
    }
    const counts = labelCounts(subset, numLabels);
    for (let k = 0; k < numLabels; k++) {
      const [pos, neg] = [counts.positives[k]!, counts.negatives[k]!];
      if (pos === 0 || neg === 0) {
        throw new DataError(
          `subsampleNested: the ${(fraction * 100).toFixed(fraction < 0.01 ? 2 : 0)}% subset (${subset.length} items) has ${pos} positive and ${neg} negative for "${nameOf(k)}"; every subset needs at least one of each`,
          { field: nameOf(k), fraction },
        );
      }
    }
    out.set(fraction, subset);
  }
  return out;
}
