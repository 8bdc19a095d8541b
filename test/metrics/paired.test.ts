import { describe, expect, it } from 'vitest';
import { auprc, auroc, bootstrapCI } from '../../lib/metrics/index';
import { minimumDetectableDifference, pairedBootstrapDifference, seedMeanBootstrap } from '../../lib/metrics/paired';
import { MetricInputError } from '../../lib/errors';
import { createRng } from '../../lib/util/random';

function scored(n: number, seed: number, signal: number): { labels: number[]; scores: number[] } {
  const rng = createRng(seed);
  const labels: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = rng.next() < 0.4 ? 1 : 0;
    labels.push(y);
    scores.push(rng.normal() + signal * y);
  }
  return { labels, scores };
}

describe('pairedBootstrapDifference', () => {
  const { labels, scores } = scored(300, 1, 1.0);
  const rng = createRng(2);
  const noisier = scores.map((s) => s + rng.normal() * 0.8);

  it('the estimate is the difference of the metrics on the full test set', () => {
    const r = pairedBootstrapDifference(labels, [scores], [noisier], 'auroc', { seed: 0, nBoot: 200 });
    expect(r.difference).toBeCloseTo(auroc(labels, scores) - auroc(labels, noisier), 12);
    expect(r.a).toBeCloseTo(auroc(labels, scores), 12);
    const p = pairedBootstrapDifference(labels, [scores], [noisier], 'auprc', { seed: 0, nBoot: 200 });
    expect(p.difference).toBeCloseTo(auprc(labels, scores) - auprc(labels, noisier), 12);
  });

  it('a model against itself: difference 0, interval [0, 0], p = 1', () => {
    const r = pairedBootstrapDifference(labels, [scores], [scores], 'auroc', { seed: 3, nBoot: 100 });
    expect([r.difference, r.lower, r.upper, r.standardError, r.pValue]).toEqual([0, 0, 0, 0, 1]);
  });

  it('pairing is tighter than two separate intervals when the models share the images', () => {
    const r = pairedBootstrapDifference(labels, [scores], [noisier], 'auroc', { seed: 4, nBoot: 1000 });
    const ca = bootstrapCI(labels, scores, 'auroc', { seed: 5, nBoot: 1000 });
    const cb = bootstrapCI(labels, noisier, 'auroc', { seed: 6, nBoot: 1000 });
    const unpairedHalfWidth = Math.hypot((ca.upper - ca.lower) / 2, (cb.upper - cb.lower) / 2);
    expect((r.upper - r.lower) / 2).toBeLessThan(0.8 * unpairedHalfWidth);
    expect(r.lower).toBeGreaterThan(0);
    expect(r.pValue).toBeLessThan(0.05);
    expect(minimumDetectableDifference(r.standardError)).toBeCloseTo(1.96 * r.standardError, 12);
  });

  it('several seeds: the mean of the per-seed differences, each pair on the same resampled images', () => {
    const second = scores.map((s, i) => s + 0.1 * Math.sin(i));
    const r = pairedBootstrapDifference(labels, [scores, second], [noisier, noisier], 'auroc', { seed: 7, nBoot: 100 });
    const d1 = auroc(labels, scores) - auroc(labels, noisier);
    const d2 = auroc(labels, second) - auroc(labels, noisier);
    expect(r.perSeed[0]).toBeCloseTo(d1, 12);
    expect(r.perSeed[1]).toBeCloseTo(d2, 12);
    expect(r.difference).toBeCloseTo((d1 + d2) / 2, 12);
  });

  it('is repeatable for a seed', () => {
    const a = pairedBootstrapDifference(labels, [scores], [noisier], 'auroc', { seed: 9, nBoot: 300 });
    const b = pairedBootstrapDifference(labels, [scores], [noisier], 'auroc', { seed: 9, nBoot: 300 });
    expect(a).toEqual(b);
  });

  it('bad input is a named MetricInputError', () => {
    expect(() => pairedBootstrapDifference(labels, [scores], [], 'auroc', { seed: 0 })).toThrow(MetricInputError);
    expect(() => pairedBootstrapDifference([0, 1, 2], [[1, 2, 3]], [[1, 2, 3]], 'auroc', { seed: 0 })).toThrow(/labels\[2\] is 2/);
    expect(() => pairedBootstrapDifference([0, 1], [[1, 2]], [[1, Number.NaN]], 'auroc', { seed: 0 })).toThrow(/scores B\[0\]\[1\] is NaN/);
    expect(() => pairedBootstrapDifference([1, 1], [[1, 2]], [[1, 2]], 'auroc', { seed: 0 })).toThrow(/needs positives and negatives, got 2 and 0/);
  });
});

describe('seedMeanBootstrap', () => {
  const { labels, scores } = scored(300, 11, 1.0);
  const other = scores.map((v, i) => v + 0.3 * Math.cos(i));

  it('estimates the mean over seeds, with an interval like the single-model stratified bootstrap', () => {
    const r = seedMeanBootstrap(labels, [scores, other], 'auroc', { seed: 1, nBoot: 1000 });
    expect(r.estimate).toBeCloseTo((auroc(labels, scores) + auroc(labels, other)) / 2, 12);
    expect(r.lower).toBeLessThan(r.estimate);
    expect(r.upper).toBeGreaterThan(r.estimate);
    const one = seedMeanBootstrap(labels, [scores], 'auprc', { seed: 2, nBoot: 1000 });
    const ref = bootstrapCI(labels, scores, 'auprc', { seed: 3, nBoot: 1000 });
    expect(one.estimate).toBeCloseTo(ref.estimate, 12);
    expect(Math.abs(one.lower - ref.lower)).toBeLessThan(0.02);
    expect(Math.abs(one.upper - ref.upper)).toBeLessThan(0.02);
  });
});
