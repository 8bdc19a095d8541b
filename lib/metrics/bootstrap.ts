/**
 * Percentile bootstrap confidence intervals for ranking metrics, seeded for repeatability.
 *
 * Stratified (the default): each replicate resamples the positives and the negatives separately, with
 * replacement, so it has exactly the original class counts. On imbalanced test sets (10 positives in 1000)
 * a plain resample often draws few or no positives, which makes AUPRC swing wildly or become undefined;
 * keeping the class counts fixed measures the uncertainty from which cases were sampled, not from how many.
 */
import { MetricInputError } from '../errors';
import { createRng } from '../util/random';
import type { Rng } from '../util/random';
import type { RankingAreas } from './counts';
import { rankingAreas } from './counts';
import type { ClassScores, NumericArray } from './input';
import { plainNames, requireClasses, splitByClass } from './input';

/** Built-in metrics: 'auprc' is the trapezoidal AUPRC, 'average-precision' is average_precision_score. */
export type MetricName = 'auroc' | 'auprc' | 'average-precision';
/**
 * A custom metric. Replicates are passed as (Uint8Array labels, Float64Array scores), positives first; the
 * two arrays are reused from one replicate to the next, so copy them if you keep them.
 */
export type MetricFunction = (labels: NumericArray, scores: NumericArray) => number;

export interface BootstrapOptions {
  /** Number of bootstrap replicates. Default 1000. */
  nBoot?: number;
  /** The interval covers 1 - alpha. Default 0.05 (a 95% interval). */
  alpha?: number;
  /** Seed for `createRng`; the same seed and inputs give the same interval. */
  seed: number;
  /** Resample positives and negatives separately (keeps class counts). Default true. */
  stratified?: boolean;
}

export interface BootstrapResult {
  /** The metric on the full input. */
  estimate: number;
  /** alpha/2 and 1 - alpha/2 quantiles of the replicates (linear interpolation, numpy's default). */
  lower: number;
  upper: number;
  nBoot: number;
  alpha: number;
  stratified: boolean;
  /**
   * Unstratified only: replicates drawn and discarded because they lacked a class the metric needs
   * (reported, not hidden; 0 when stratified).
   */
  redrawn: number;
}

interface NamedMetric {
  label: string;
  needsNegatives: boolean;
  pick(areas: RankingAreas): number;
}

const NAMED_METRICS: Record<MetricName, NamedMetric> = {
  auroc: { label: 'AUROC', needsNegatives: true, pick: (a) => a.auroc },
  auprc: { label: 'AUPRC', needsNegatives: false, pick: (a) => a.auprcTrapezoid },
  'average-precision': { label: 'average precision', needsNegatives: false, pick: (a) => a.averagePrecision },
};

const CONTEXT = 'bootstrapCI';

function requireOptions(options: BootstrapOptions): Required<BootstrapOptions> {
  const { nBoot = 1000, alpha = 0.05, seed, stratified = true } = options ?? ({} as BootstrapOptions);
  if (!Number.isInteger(nBoot) || nBoot < 1) {
    throw new MetricInputError(`${CONTEXT}: nBoot must be a positive integer, got ${nBoot}`, { field: 'nBoot' });
  }
  if (!(alpha > 0 && alpha < 1)) {
    throw new MetricInputError(`${CONTEXT}: alpha must be in (0, 1), got ${alpha}`, { field: 'alpha' });
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new MetricInputError(`${CONTEXT}: seed must be a finite number, got ${String(seed)}`, { field: 'seed' });
  }
  return { nBoot, alpha, seed, stratified };
}

/** Quantile with linear interpolation between order statistics (Hyndman-Fan type 7, numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function checkedValue(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new MetricInputError(`${CONTEXT}: the metric function returned ${String(value)} for ${what}`, {
      field: 'metric',
      value,
    });
  }
  return value;
}

/**
 * Draws one replicate into `out` (positives first, then negatives) and returns its positive count, or -1 if
 * an unstratified draw lacks a class the metric needs.
 */
function drawReplicate(
  rng: Rng,
  split: ClassScores,
  stratified: boolean,
  needsNegatives: boolean,
  out: Float64Array,
): number {
  const pos = split.positives;
  const neg = split.negatives;
  const numPos = pos.length;
  const numNeg = neg.length;
  if (stratified) {
    for (let i = 0; i < numPos; i++) out[i] = pos[rng.int(numPos)]!;
    for (let i = 0; i < numNeg; i++) out[numPos + i] = neg[rng.int(numNeg)]!;
    return numPos;
  }
  // Unstratified: draw n samples from the pooled input; positives fill from the front, negatives from the back.
  const n = numPos + numNeg;
  let front = 0;
  let back = n - 1;
  for (let i = 0; i < n; i++) {
    const k = rng.int(n);
    if (k < numPos) out[front++] = pos[k]!;
    else out[back--] = neg[k - numPos]!;
  }
  if (front === 0 || (needsNegatives && front === n)) return -1;
  return front;
}

/**
 * Percentile bootstrap confidence interval of a ranking metric.
 *
 * `metric` is a name ('auroc', 'auprc' = trapezoidal, 'average-precision') or a function of (labels, scores).
 * Throws MetricInputError on bad input, on options out of range, when the metric is undefined on the full
 * input, or when a custom metric returns a non-finite value for some replicate.
 */
export function bootstrapCI(
  labels: NumericArray,
  scores: NumericArray,
  metric: MetricName | MetricFunction,
  options: BootstrapOptions,
): BootstrapResult {
  const { nBoot, alpha, seed, stratified } = requireOptions(options);
  const names = plainNames(CONTEXT);
  const isName = typeof metric === 'string' && Object.hasOwn(NAMED_METRICS, metric);
  const named = isName ? NAMED_METRICS[metric as MetricName] : undefined;
  if (typeof metric !== 'function' && named === undefined) {
    throw new MetricInputError(
      `${CONTEXT}: metric must be a function or one of ${Object.keys(NAMED_METRICS).join(', ')}; got ${JSON.stringify(metric)}`,
      { field: 'metric', value: metric },
    );
  }
  const split = splitByClass(labels, scores, names);
  // A custom metric's needs are unknown: require both classes, as every ranking metric that uses them does.
  const needsNegatives = named ? named.needsNegatives : true;
  requireClasses(split, names, { metric: named ? named.label : 'the metric', needsNegatives });

  const numPos = split.positives.length;
  const n = numPos + split.negatives.length;
  const replicateLabels = new Uint8Array(n);
  const evaluate = (buffer: Float64Array, positives: number, what: string): number => {
    if (named) {
      return named.pick(
        rankingAreas({ positives: buffer.subarray(0, positives), negatives: buffer.subarray(positives, n) }),
      );
    }
    replicateLabels.fill(1, 0, positives);
    replicateLabels.fill(0, positives);
    return checkedValue((metric as MetricFunction)(replicateLabels, buffer), what);
  };

  let estimate: number;
  if (named) {
    // rankingAreas sorts in place: work on a copy so the split stays the resampling source.
    const full = new Float64Array(n);
    full.set(split.positives);
    full.set(split.negatives, numPos);
    estimate = evaluate(full, numPos, 'the full input');
  } else {
    estimate = checkedValue((metric as MetricFunction)(labels, scores), 'the full input');
  }

  const rng = createRng(seed);
  const replicate = new Float64Array(n);
  const values = new Float64Array(nBoot);
  let redrawn = 0;
  for (let b = 0; b < nBoot; b++) {
    // Terminates quickly: with at least one sample of each class, a draw of n lacks one with probability
    // below 2 (1 - 1/n)^n < 2/e, so under 4 draws per replicate are needed on average, whatever the data.
    let positives = drawReplicate(rng, split, stratified, needsNegatives, replicate);
    while (positives < 0) {
      redrawn++;
      positives = drawReplicate(rng, split, stratified, needsNegatives, replicate);
    }
    values[b] = evaluate(replicate, positives, `bootstrap replicate ${b}`);
  }
  values.sort();
  return {
    estimate,
    lower: quantile(values, alpha / 2),
    upper: quantile(values, 1 - alpha / 2),
    nBoot,
    alpha,
    stratified,
    redrawn,
  };
}
