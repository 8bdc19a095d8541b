/**
 * ROC and precision-recall curves with scikit-learn's semantics (checked against Debian's python3-sklearn
 * 1.2.1 by test/metrics/golden.test.ts; see scripts/gen-metrics-golden.py).
 */
import type { ThresholdCounts } from './counts';
import { thresholdCounts } from './counts';
import type { NumericArray } from './input';
import { plainNames, requireClasses, splitByClass } from './input';

export interface RocCurve {
  /** False positive rate at each threshold, non-decreasing from 0 to 1. */
  fpr: number[];
  /** True positive rate (recall) at each threshold, non-decreasing from 0 to 1. */
  tpr: number[];
  /** Decreasing; thresholds[0] = +Infinity (nothing predicted positive), then every distinct score. */
  thresholds: number[];
}

export interface PrCurve {
  /** Precision at each threshold, then 1 for the final (recall 0) point. */
  precision: number[];
  /** Recall at each threshold, non-increasing, then 0. */
  recall: number[];
  /** Every distinct score, increasing; one shorter than precision/recall. */
  thresholds: number[];
}

/** ROC curve from counts; every distinct score is a point (sklearn's drop_intermediate=False). */
export function rocFromCounts(counts: ThresholdCounts): RocCurve {
  const { thresholds: t, truePositives: tp, falsePositives: fp, positives, negatives } = counts;
  // Preallocated rather than push()ed: ~30% faster for million-point curves.
  const m = t.length + 1;
  const fpr = new Array<number>(m);
  const tpr = new Array<number>(m);
  const thresholds = new Array<number>(m);
  fpr[0] = 0;
  tpr[0] = 0;
  // scikit-learn < 1.3 (Debian bookworm ships 1.2.1) uses max(score) + 1 for the first threshold; 1.3 and later
  // use +Infinity, which cannot be mistaken for a reachable score (a probability of 1.7, say). We follow >= 1.3.
  thresholds[0] = Infinity;
  for (let k = 0; k < t.length; k++) {
    fpr[k + 1] = fp[k]! / negatives;
    tpr[k + 1] = tp[k]! / positives;
    thresholds[k + 1] = t[k]!;
  }
  return { fpr, tpr, thresholds };
}

/**
 * PR curve from counts, ordered as scikit-learn's precision_recall_curve: lowest threshold (recall 1) first,
 * ending with the appended (recall 0, precision 1) point, which has no threshold. The full curve is kept, one
 * point per distinct score: scikit-learn 1.2.1 (Debian bookworm; checked in its source) does not cut the curve
 * at the first threshold reaching full recall as releases before 1.1 did, and later releases' drop_intermediate
 * option defaults to False.
 */
export function prFromCounts(counts: ThresholdCounts): PrCurve {
  const { thresholds: t, truePositives: tp, falsePositives: fp, positives } = counts;
  const m = t.length;
  const precision = new Array<number>(m + 1);
  const recall = new Array<number>(m + 1);
  const thresholds = new Array<number>(m);
  for (let i = 0; i < m; i++) {
    const k = m - 1 - i;
    precision[i] = tp[k]! / (tp[k]! + fp[k]!);
    recall[i] = tp[k]! / positives;
    thresholds[i] = t[k]!;
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds };
}

/**
 * Receiver operating characteristic: `sklearn.metrics.roc_curve(labels, scores, drop_intermediate=False)`.
 * Throws MetricInputError on bad input or when either class is absent (a rate would be 0/0).
 */
export function rocCurve(labels: NumericArray, scores: NumericArray): RocCurve {
  const names = plainNames('rocCurve');
  const split = splitByClass(labels, scores, names);
  requireClasses(split, names, { metric: 'the ROC curve', needsNegatives: true });
  return rocFromCounts(thresholdCounts(split));
}

/**
 * Precision-recall curve: `sklearn.metrics.precision_recall_curve(labels, scores)`.
 * Throws MetricInputError on bad input or when there are no positives (recall would be 0/0).
 */
export function prCurve(labels: NumericArray, scores: NumericArray): PrCurve {
  const names = plainNames('prCurve');
  const split = splitByClass(labels, scores, names);
  requireClasses(split, names, { metric: 'the PR curve', needsNegatives: false });
  return prFromCounts(thresholdCounts(split));
}
