import type { DatasetItem } from './types';

/** Counted positives and negatives per label (a label masked out by U-Ignore counts as neither). */
export function labelCounts(items: DatasetItem[], numLabels: number): { positives: number[]; negatives: number[] } {
  const positives = new Array<number>(numLabels).fill(0);
  const negatives = new Array<number>(numLabels).fill(0);
  for (const item of items) {
    for (let k = 0; k < numLabels; k++) {
      if ((item.mask?.[k] ?? 1) !== 1) continue;
      if (item.labels[k] === 1) positives[k]! += 1;
      else negatives[k]! += 1;
    }
  }
  return { positives, negatives };
}
