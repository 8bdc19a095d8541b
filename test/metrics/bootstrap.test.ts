import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../lib/errors';
import { auprc, auroc, averagePrecision, bootstrapCI } from '../../lib/metrics';
import type { NumericArray } from '../../lib/metrics';
import { createRng } from '../../lib/util/random';

/** n samples, ~rate positives, positives shifted up: a classifier with AUROC around 0.75. */
function data(n: number, rate: number, seed: number) {
  const rng = createRng(seed);
  const labels = new Uint8Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.next() < rate ? 1 : 0;
    scores[i] = rng.normal() + 0.9 * labels[i]!;
  }
  return { labels, scores };
}

describe('bootstrapCI', () => {
  const { labels, scores } = data(400, 0.2, 7);

  it('is deterministic for a seed and changes with the seed', () => {
    const a = bootstrapCI(labels, scores, 'auroc', { seed: 1, nBoot: 300 });
    const b = bootstrapCI(labels, scores, 'auroc', { seed: 1, nBoot: 300 });
    const c = bootstrapCI(labels, scores, 'auroc', { seed: 2, nBoot: 300 });
    expect(b).toEqual(a);
    expect(c.estimate).toBe(a.estimate);
    expect([c.lower, c.upper]).not.toEqual([a.lower, a.upper]);
  });

  it.each([
    ['auroc', auroc],
    ['auprc', (l: NumericArray, s: NumericArray) => auprc(l, s, 'trapezoid')],
    ['average-precision', averagePrecision],
  ] as const)('%s: estimate is the metric on the full data and lies inside the interval', (name, metric) => {
    const ci = bootstrapCI(labels, scores, name, { seed: 3, nBoot: 400 });
    expect(ci.estimate).toBe(metric(labels, scores));
    expect(ci.lower).toBeLessThan(ci.estimate);
    expect(ci.upper).toBeGreaterThan(ci.estimate);
    expect(ci).toMatchObject({ nBoot: 400, alpha: 0.05, stratified: true, redrawn: 0 });
  });

  it('a named metric and the same metric as a function see the same replicates', () => {
    const named = bootstrapCI(labels, scores, 'auprc', { seed: 4, nBoot: 200 });
    const fn = bootstrapCI(labels, scores, (l, s) => auprc(l, s), { seed: 4, nBoot: 200 });
    expect(fn.estimate).toBe(named.estimate);
    expect(fn.lower).toBeCloseTo(named.lower, 14);
    expect(fn.upper).toBeCloseTo(named.upper, 14);
  });

  it('stratified replicates keep the class counts and draw each class from its own scores', () => {
    const positiveScores = new Set<number>();
    const negativeScores = new Set<number>();
    labels.forEach((y, i) => (y === 1 ? positiveScores : negativeScores).add(scores[i]!));
    const seen: Array<[number, number]> = [];
    let wrongClass = 0;
    bootstrapCI(labels, scores, (l, s) => {
      let p = 0;
      for (let i = 0; i < l.length; i++) {
        p += l[i]!;
        if (!(l[i] === 1 ? positiveScores : negativeScores).has(s[i]!)) wrongClass++;
      }
      seen.push([p, l.length]);
      return auroc(l, s);
    }, { seed: 5, nBoot: 50 });
    const positives = positiveScores.size;
    expect(seen).toHaveLength(51); // full-data estimate + 50 replicates
    expect(seen.every(([p, n]) => p === positives && n === labels.length)).toBe(true);
    expect(wrongClass).toBe(0);
  });

  it('unstratified replicates vary the class counts and redraw (and report) single-class draws', () => {
    const tiny = { labels: Uint8Array.from({ length: 20 }, (_, i) => (i === 3 ? 1 : 0)), scores: new Float64Array(20) };
    tiny.scores.forEach((_, i) => (tiny.scores[i] = i / 20));
    const counts = new Set<number>();
    const ci = bootstrapCI(tiny.labels, tiny.scores, (l, s) => {
      let p = 0;
      for (let i = 0; i < l.length; i++) p += l[i]!;
      counts.add(p);
      expect(p).toBeGreaterThan(0);
      return auroc(l, s);
    }, { seed: 6, nBoot: 200, stratified: false });
    expect(counts.size).toBeGreaterThan(2);
    expect(ci.stratified).toBe(false);
    // P(no positive in 20 draws) = (19/20)^20 ~ 0.36, so ~110 of ~310 draws are redrawn.
    expect(ci.redrawn).toBeGreaterThan(60);
    expect(ci.redrawn).toBeLessThan(180);
  });

  it('interval width agrees with the Hanley-McNeil standard error of AUROC', () => {
    const big = data(1000, 0.3, 8);
    const ci = bootstrapCI(big.labels, big.scores, 'auroc', { seed: 9, nBoot: 1000 });
    const a = ci.estimate;
    let p = 0;
    big.labels.forEach((y) => (p += y));
    const q = big.labels.length - p;
    const q1 = a / (2 - a);
    const q2 = (2 * a * a) / (1 + a);
    const se = Math.sqrt((a * (1 - a) + (p - 1) * (q1 - a * a) + (q - 1) * (q2 - a * a)) / (p * q));
    const width = ci.upper - ci.lower;
    expect(width / (2 * 1.959964 * se)).toBeGreaterThan(0.8);
    expect(width / (2 * 1.959964 * se)).toBeLessThan(1.2);
  });

  it('a smaller alpha gives a wider interval', () => {
    const narrow = bootstrapCI(labels, scores, 'auroc', { seed: 10, nBoot: 500, alpha: 0.2 });
    const wide = bootstrapCI(labels, scores, 'auroc', { seed: 10, nBoot: 500, alpha: 0.01 });
    expect(wide.lower).toBeLessThan(narrow.lower);
    expect(wide.upper).toBeGreaterThan(narrow.upper);
  });

  it.each([
    ['nBoot 0', { seed: 1, nBoot: 0 }, /nBoot must be a positive integer, got 0/],
    ['alpha 1.5', { seed: 1, alpha: 1.5 }, /alpha must be in \(0, 1\), got 1.5/],
    ['no seed', {} as { seed: number }, /seed must be a finite number, got undefined/],
  ])('rejects %s', (_, options, message) => {
    expect(() => bootstrapCI(labels, scores, 'auroc', options)).toThrow(MetricInputError);
    expect(() => bootstrapCI(labels, scores, 'auroc', options)).toThrow(message);
  });

  it('rejects an unknown metric, an undefined metric and a metric returning NaN', () => {
    for (const bad of ['f1', 'toString', 42]) {
      expect(() => bootstrapCI(labels, scores, bad as 'auroc', { seed: 1 })).toThrow(
        /metric must be a function or one of auroc, auprc, average-precision/,
      );
    }
    expect(() => bootstrapCI([1, 1, 1], [0.1, 0.2, 0.3], 'auroc', { seed: 1 })).toThrow(
      /bootstrapCI: AUROC is undefined: no negative labels among 3/,
    );
    expect(() => bootstrapCI(labels, scores, () => NaN, { seed: 1 })).toThrow(
      /metric function returned NaN for the full input/,
    );
    expect(() => bootstrapCI(labels, scores, 'auprc', { seed: 1 })).not.toThrow();
  });
});
