/**
 * Paired comparison of two models on the SAME test images: the difference of a ranking metric (A minus B) with
 * a percentile bootstrap interval in which every replicate resamples one set of test images (stratified by
 * class) and scores both models on it. Pairing removes the between-image variance the two models share, so the
 * interval is narrower than comparing two separate intervals, and it is what "is A better than B on this test
 * set" asks.
 *
 * Several seeds per model are compared as the mean over seed pairs (seed i of A with seed i of B, which in this
 * project trained on the same images): each replicate resamples the images once and averages the per-seed
 * differences on it. The interval covers test-set sampling; the spread over seeds is reported separately.
 */
import { MetricInputError } from '../errors';
import { createRng } from '../util/random';
import { rankingAreas, type RankingAreas } from './counts';
import type { NumericArray } from './input';

export type PairedMetric = 'auroc' | 'auprc' | 'average-precision';

const PICK: Record<PairedMetric, (a: RankingAreas) => number> = {
  auroc: (a) => a.auroc,
  auprc: (a) => a.auprcTrapezoid,
  'average-precision': (a) => a.averagePrecision,
};

export interface PairedBootstrapOptions {
  seed: number;
  /** Default 2000. */
  nBoot?: number;
  /** Default 0.05 (95 % interval). */
  alpha?: number;
}

export interface PairedDifference {
  metric: PairedMetric;
  /** Mean over seed pairs of metric(A) - metric(B) on the full test set. */
  difference: number;
  /** Mean metric of A and of B over their seeds. */
  a: number;
  b: number;
  lower: number;
  upper: number;
  /** Standard deviation of the bootstrap differences: the test-set standard error of `difference`. */
  standardError: number;
  /** Two-sided bootstrap p-value for "no difference": 2 x the share of replicates on the other side of 0 (capped at 1). */
  pValue: number;
  /** Per seed pair: metric(A_i) - metric(B_i). */
  perSeed: number[];
  nBoot: number;
  alpha: number;
  positives: number;
  negatives: number;
}

function checkInputs(labels: NumericArray, a: NumericArray[], b: NumericArray[], context: string): void {
  if (a.length === 0 || a.length !== b.length) {
    throw new MetricInputError(`${context}: needs the same number (>= 1) of score arrays for A and B, got ${a.length} and ${b.length}`, { field: 'scores' });
  }
  const n = labels.length;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new MetricInputError(`${context}: labels[${i}] is ${labels[i]}, not 0 or 1`, { field: 'labels', index: i });
  }
  [...a, ...b].forEach((scores, k) => {
    const which = k < a.length ? `A[${k}]` : `B[${k - a.length}]`;
    if (scores.length !== n) throw new MetricInputError(`${context}: scores ${which} has ${scores.length} values for ${n} labels`, { field: 'scores' });
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(scores[i])) throw new MetricInputError(`${context}: scores ${which}[${i}] is ${scores[i]}`, { field: 'scores', index: i });
    }
  });
}

/** The metric of `scores` restricted to the rows `pos` (positives) and `neg` (negatives), with repeats. */
function metricOn(scores: NumericArray, pos: Int32Array, neg: Int32Array, pick: (a: RankingAreas) => number, buffer: Float64Array): number {
  for (let i = 0; i < pos.length; i++) buffer[i] = scores[pos[i]!]!;
  for (let i = 0; i < neg.length; i++) buffer[pos.length + i] = scores[neg[i]!]!;
  return pick(rankingAreas({ positives: buffer.subarray(0, pos.length), negatives: buffer.subarray(pos.length) }));
}

function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function meanDifference(a: NumericArray[], b: NumericArray[], pos: Int32Array, neg: Int32Array, pick: (x: RankingAreas) => number, buffer: Float64Array): { diffs: number[]; ma: number; mb: number } {
  const diffs: number[] = [];
  let ma = 0;
  let mb = 0;
  for (let k = 0; k < a.length; k++) {
    const va = metricOn(a[k]!, pos, neg, pick, buffer);
    const vb = metricOn(b[k]!, pos, neg, pick, buffer);
    diffs.push(va - vb);
    ma += va / a.length;
    mb += vb / a.length;
  }
  return { diffs, ma, mb };
}

/**
 * metric(A) - metric(B) on one test set, with a paired, class-stratified percentile bootstrap interval.
 * `a[k]` and `b[k]` are the scores (or logits) of seed k of each model for the same test items as `labels`.
 */
export function pairedBootstrapDifference(labels: NumericArray, a: NumericArray[], b: NumericArray[], metric: PairedMetric, options: PairedBootstrapOptions): PairedDifference {
  const context = 'pairedBootstrapDifference';
  checkInputs(labels, a, b, context);
  const nBoot = options.nBoot ?? 2000;
  const alpha = options.alpha ?? 0.05;
  const pick = PICK[metric];
  if (!pick) throw new MetricInputError(`${context}: metric must be auroc, auprc or average-precision, got ${JSON.stringify(metric)}`, { field: 'metric' });
  const posIdx: number[] = [];
  const negIdx: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? posIdx : negIdx).push(i);
  if (posIdx.length === 0 || negIdx.length === 0) {
    throw new MetricInputError(`${context}: needs positives and negatives, got ${posIdx.length} and ${negIdx.length}`, { field: 'labels' });
  }
  const buffer = new Float64Array(labels.length);
  const full = meanDifference(a, b, Int32Array.from(posIdx), Int32Array.from(negIdx), pick, buffer);
  const difference = full.diffs.reduce((s, d) => s + d, 0) / full.diffs.length;
  const rng = createRng(options.seed);
  const pos = new Int32Array(posIdx.length);
  const neg = new Int32Array(negIdx.length);
  const values = new Float64Array(nBoot);
  for (let r = 0; r < nBoot; r++) {
    for (let i = 0; i < pos.length; i++) pos[i] = posIdx[rng.int(posIdx.length)]!;
    for (let i = 0; i < neg.length; i++) neg[i] = negIdx[rng.int(negIdx.length)]!;
    const rep = meanDifference(a, b, pos, neg, pick, buffer);
    values[r] = rep.diffs.reduce((s, d) => s + d, 0) / rep.diffs.length;
  }
  const mean = values.reduce((s, v) => s + v, 0) / nBoot;
  const standardError = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, nBoot - 1));
  const otherSide = values.filter((v) => (difference >= 0 ? v <= 0 : v >= 0)).length;
  values.sort();
  return {
    metric,
    difference,
    a: full.ma,
    b: full.mb,
    lower: quantile(values, alpha / 2),
    upper: quantile(values, 1 - alpha / 2),
    standardError,
    pValue: Math.min(1, (2 * otherSide) / nBoot),
    perSeed: full.diffs,
    nBoot,
    alpha,
    positives: posIdx.length,
    negatives: negIdx.length,
  };
}

/**
 * The smallest observed difference whose 95 % interval would exclude 0 on this test set: 1.96 x the paired
 * standard error (normal approximation). The same notion as lib/report's unpaired 1.96·√2·SE, for paired data.
 */
export function minimumDetectableDifference(standardError: number): number {
  return 1.96 * standardError;
}
