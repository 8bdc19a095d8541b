/**
 * Metrics of toy rankings, one at a time or over many seeded draws, computed with lib/metrics (the same code
 * that scores real classifiers), plus the summary statistics the Fig. 2 notebook reports.
 */
import { auprc, auroc } from '../metrics/index';
import { drawToyRankings, scoresFromRanks, type ToySpec } from './roc-vs-prc';

export interface ToyMetrics {
  auroc: number;
  /** Trapezoidal area under scikit-learn's PR curve (what the paper's code reports). */
  auprcTrapezoid: number;
  averagePrecision: number;
}

export const TOY_METRIC_NAMES: ReadonlyArray<{ key: keyof ToyMetrics; label: string }> = [
  { key: 'auroc', label: 'AUROC' },
  { key: 'auprcTrapezoid', label: 'AUPRC (trapezoid)' },
  { key: 'averagePrecision', label: 'AUPRC (average precision)' },
];

export function toyMetrics(positiveRanks: readonly number[], nTotal: number): ToyMetrics {
  const { labels, scores } = scoresFromRanks(positiveRanks, nTotal);
  return {
    auroc: auroc(labels, scores),
    auprcTrapezoid: auprc(labels, scores, 'trapezoid'),
    averagePrecision: auprc(labels, scores, 'average-precision'),
  };
}

export type ToyMetricSamples = { [K in keyof ToyMetrics]: Float64Array };

/** Metrics of `nDraws` independent rankings from one seed; `onProgress(done, total)` after each draw. */
export function monteCarloToy(
  spec: ToySpec,
  nDraws: number,
  seed: number,
  onProgress?: (done: number, total: number) => void,
): ToyMetricSamples {
  const rankings = drawToyRankings(spec, nDraws, seed);
  const samples: ToyMetricSamples = {
    auroc: new Float64Array(nDraws),
    auprcTrapezoid: new Float64Array(nDraws),
    averagePrecision: new Float64Array(nDraws),
  };
  rankings.forEach((ranking, i) => {
    const m = toyMetrics(ranking.positiveRanks, spec.nPos + spec.nNeg);
    samples.auroc[i] = m.auroc;
    samples.auprcTrapezoid[i] = m.auprcTrapezoid;
    samples.averagePrecision[i] = m.averagePrecision;
    onProgress?.(i + 1, nDraws);
  });
  return samples;
}

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1). */
  sd: number;
  /** Standard error of the mean. */
  se: number;
  q05: number;
  q95: number;
}

export function summarise(values: ArrayLike<number>): Summary {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const sorted = Float64Array.from(values).sort();
  return { n, mean, sd, se: sd / Math.sqrt(n), q05: quantile(sorted, 0.05), q95: quantile(sorted, 0.95) };
}

/** Linear-interpolation quantile of sorted values (numpy's default). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Share of paired draws in which `a` is strictly greater than `b`. */
export function shareGreater(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let count = 0;
  for (let i = 0; i < n; i++) if (a[i]! > b[i]!) count++;
  return count / n;
}
