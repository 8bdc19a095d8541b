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

function classIndices(labels: NumericArray, context: string): { pos: Int32Array; neg: Int32Array } {
  const posIdx: number[] = [];
  const negIdx: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? posIdx : negIdx).push(i);
  if (posIdx.length === 0 || negIdx.length === 0) {
    throw new MetricInputError(`${context}: needs positives and negatives, got ${posIdx.length} and ${negIdx.length}`, { field: 'labels' });
  }
  return { pos: Int32Array.from(posIdx), neg: Int32Array.from(negIdx) };
}

/**
 * The metric of every seed of every model, on the full test set (`full`) and on `nBoot` stratified resamples of
 * its images (`replicates[r][model][seed]`), each resample shared by all models and seeds.
 */
function resampledMetrics(labels: NumericArray, models: NumericArray[][], pick: (a: RankingAreas) => number, nBoot: number, seed: number, context: string) {
  const { pos, neg } = classIndices(labels, context);
  const buffer = new Float64Array(labels.length);
  const score = (p: Int32Array, n: Int32Array): number[][] => models.map((seeds) => seeds.map((s) => metricOn(s, p, n, pick, buffer)));
  const full = score(pos, neg);
  const rng = createRng(seed);
  const rp = new Int32Array(pos.length);
  const rn = new Int32Array(neg.length);
  const replicates: number[][][] = [];
  for (let r = 0; r < nBoot; r++) {
    for (let i = 0; i < rp.length; i++) rp[i] = pos[rng.int(pos.length)]!;
    for (let i = 0; i < rn.length; i++) rn[i] = neg[rng.int(neg.length)]!;
    replicates.push(score(rp, rn));
  }
  return { full, replicates, positives: pos.length, negatives: neg.length };
}

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

interface IntervalSummary {
  lower: number;
  upper: number;
  standardError: number;
}

function intervalOf(values: Float64Array, alpha: number): IntervalSummary {
  const m = mean(Array.from(values));
  const standardError = Math.sqrt(values.reduce((acc, v) => acc + (v - m) ** 2, 0) / Math.max(1, values.length - 1));
  const sorted = Float64Array.from(values).sort();
  return { lower: quantile(sorted, alpha / 2), upper: quantile(sorted, 1 - alpha / 2), standardError };
}

function metricPick(metric: PairedMetric, context: string): (a: RankingAreas) => number {
  const pick = PICK[metric];
  if (!pick) throw new MetricInputError(`${context}: metric must be auroc, auprc or average-precision, got ${JSON.stringify(metric)}`, { field: 'metric' });
  return pick;
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
  const m = resampledMetrics(labels, [a, b], metricPick(metric, context), nBoot, options.seed, context);
  const perSeed = m.full[0]!.map((va, k) => va - m.full[1]![k]!);
  const difference = mean(perSeed);
  const values = Float64Array.from(m.replicates, ([ra, rb]) => mean(ra!.map((va, k) => va - rb![k]!)));
  const otherSide = values.filter((v) => (difference >= 0 ? v <= 0 : v >= 0)).length;
  return {
    metric,
    difference,
    a: mean(m.full[0]!),
    b: mean(m.full[1]!),
    ...intervalOf(values, alpha),
    pValue: Math.min(1, (2 * otherSide) / nBoot),
    perSeed,
    nBoot,
    alpha,
    positives: m.positives,
    negatives: m.negatives,
  };
}

export interface SeedMeanInterval extends IntervalSummary {
  metric: PairedMetric;
  /** Mean over seeds of the metric on the full test set. */
  estimate: number;
  perSeed: number[];
  positives: number;
  negatives: number;
}

/**
 * One model's metric averaged over its seeds, with the same stratified test-image bootstrap as the paired
 * comparison (each replicate resamples the images once and scores every seed on them): a curve point's interval.
 */
export function seedMeanBootstrap(labels: NumericArray, scores: NumericArray[], metric: PairedMetric, options: PairedBootstrapOptions): SeedMeanInterval {
  const context = 'seedMeanBootstrap';
  checkInputs(labels, scores, scores, context);
  const m = resampledMetrics(labels, [scores], metricPick(metric, context), options.nBoot ?? 2000, options.seed, context);
  const values = Float64Array.from(m.replicates, ([r]) => mean(r!));
  return { metric, estimate: mean(m.full[0]!), ...intervalOf(values, options.alpha ?? 0.05), perSeed: m.full[0]!, positives: m.positives, negatives: m.negatives };
}

/**
 * The smallest observed difference whose 95 % interval would exclude 0 on this test set: 1.96 x the paired
 * standard error (normal approximation). The same notion as lib/report's unpaired 1.96·√2·SE, for paired data.
 */
export function minimumDetectableDifference(standardError: number): number {
  return 1.96 * standardError;
}
