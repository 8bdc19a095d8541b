import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors';
import { auprc, auroc } from '../../lib/metrics/index';
import {
  PAPER_2021_REALISATION,
  PAPER_FACTS_2021_VALUES,
  TOY_CLASSIFIERS,
  drawToyRanking,
  drawToyRankings,
  expectedAuroc,
  expectedToyMetrics,
  monteCarloToy,
  scoresFromRanks,
  summarise,
  toyMetrics,
  type ToySpec,
} from '../../lib/toy/index';

/** Every P-subset of 1..K, i.e. every equally likely ranking of the positives. */
function* subsets(k: number, p: number, start = 1, prefix: number[] = []): Generator<number[]> {
  if (prefix.length === p) {
    yield prefix;
    return;
  }
  for (let r = start; r <= k - (p - prefix.length) + 1; r++) yield* subsets(k, p, r + 1, [...prefix, r]);
}

/** Exact expectation by enumeration, scoring each ranking with lib/metrics (independent of the formulas). */
function enumerate(spec: ToySpec) {
  let n = 0;
  const sum = { auroc: 0, auprcTrapezoid: 0, averagePrecision: 0 };
  for (const ranks of subsets(spec.topK, spec.nPos)) {
    const { labels, scores } = scoresFromRanks(ranks, spec.nPos + spec.nNeg);
    sum.auroc += auroc(labels, scores);
    sum.auprcTrapezoid += auprc(labels, scores, 'trapezoid');
    sum.averagePrecision += auprc(labels, scores, 'average-precision');
    n++;
  }
  return { n, auroc: sum.auroc / n, auprcTrapezoid: sum.auprcTrapezoid / n, averagePrecision: sum.averagePrecision / n };
}

describe('toy ROC-vs-PRC model', () => {
  it('gives the paper-facts closed forms for CA and CB: 1 - 10/9900 and 1 - 100/9900', () => {
    expect(expectedAuroc(TOY_CLASSIFIERS.CA)).toBeCloseTo(1 - 10 / 9900, 14);
    expect(expectedAuroc(TOY_CLASSIFIERS.CB)).toBeCloseTo(1 - 100 / 9900, 14);
  });

  it.each([
    { nPos: 10, nNeg: 990, topK: 12 },
    { nPos: 3, nNeg: 20, topK: 8 },
    { nPos: 1, nNeg: 5, topK: 6 },
    { nPos: 4, nNeg: 4, topK: 8 },
    { nPos: 5, nNeg: 30, topK: 5 },
  ])('matches brute-force enumeration of every ranking for %o', (spec) => {
    const brute = enumerate(spec);
    const exact = expectedToyMetrics(spec);
    expect(exact.auroc).toBeCloseTo(brute.auroc, 12);
    expect(exact.averagePrecision).toBeCloseTo(brute.averagePrecision, 12);
    expect(exact.auprcTrapezoid).toBeCloseTo(brute.auprcTrapezoid, 12);
  });

  it('agrees with a Monte-Carlo study of CB (too many rankings to enumerate) within 4 standard errors', () => {
    const mc = monteCarloToy(TOY_CLASSIFIERS.CB, 4000, 7);
    const exact = expectedToyMetrics(TOY_CLASSIFIERS.CB);
    for (const key of ['auroc', 'auprcTrapezoid', 'averagePrecision'] as const) {
      const s = summarise(mc[key]);
      expect(Math.abs(s.mean - exact[key]) / s.se).toBeLessThan(4);
    }
    // paper-facts §5.5 Monte Carlo (5,000 draws): CB AUPRC(trapz) 0.366 ± 0.099, AP 0.401 ± 0.096.
    expect(exact.auprcTrapezoid).toBeCloseTo(0.366, 2);
    expect(exact.averagePrecision).toBeCloseTo(0.401, 2);
    expect(summarise(mc.auprcTrapezoid).sd).toBeCloseTo(0.099, 1);
  });

  it('reproduces the 2021 figure realisation to the precision paper-facts reports (1e-3)', () => {
    for (const name of ['CA', 'CB'] as const) {
      const ours = toyMetrics(PAPER_2021_REALISATION[name], 1000);
      const ref = PAPER_FACTS_2021_VALUES[name];
      expect(Math.abs(ours.auroc - ref.auroc)).toBeLessThan(1e-3);
      expect(Math.abs(ours.auprcTrapezoid - ref.auprcTrapezoid)).toBeLessThan(1e-3);
      expect(Math.abs(ours.averagePrecision - ref.averagePrecision)).toBeLessThan(1e-3);
    }
    // By hand: CA's negatives at ranks 9 and 11 outrank 2 and 1 positives -> AUROC = 1 - 3 / (10 * 990).
    expect(toyMetrics(PAPER_2021_REALISATION.CA, 1000).auroc).toBeCloseTo(1 - 3 / 9900, 14);
  });

  it('draws rankings reproducibly, inside the top K, uniformly over ranks', () => {
    const a = drawToyRanking({ ...TOY_CLASSIFIERS.CB, seed: 11 });
    expect(drawToyRanking({ ...TOY_CLASSIFIERS.CB, seed: 11 })).toEqual(a);
    expect(drawToyRanking({ ...TOY_CLASSIFIERS.CB, seed: 12 }).positiveRanks).not.toEqual(a.positiveRanks);
    const counts = new Array(31).fill(0);
    const draws = drawToyRankings(TOY_CLASSIFIERS.CB, 6000, 3);
    for (const d of draws) {
      expect(new Set(d.positiveRanks).size).toBe(10);
      expect(d.positiveRanks).toEqual([...d.positiveRanks].sort((x, y) => x - y));
      for (const r of d.positiveRanks) counts[r]++;
    }
    expect(counts[0]).toBe(0);
    // Each rank holds a positive with probability P/K = 1/3: 2000 expected, sd ~ 36.5.
    for (let r = 1; r <= 30; r++) expect(Math.abs(counts[r] - 2000)).toBeLessThan(160);
  });

  it('builds scores whose ranking is exactly the given one', () => {
    const { labels, scores } = scoresFromRanks([2, 5], 6);
    expect(Array.from(labels)).toEqual([0, 1, 0, 0, 1, 0]);
    for (let i = 1; i < 6; i++) expect(scores[i]!).toBeLessThan(scores[i - 1]!);
    expect(() => scoresFromRanks([2, 2], 6)).toThrow(/repeated/);
    expect(() => scoresFromRanks([7], 6)).toThrow(/positiveRanks\[0\] = 7/);
  });

  it('rejects impossible specs with a ConfigError naming the field', () => {
    expect(() => expectedAuroc({ nPos: 10, nNeg: 990, topK: 9 })).toThrow(ConfigError);
    expect(() => expectedAuroc({ nPos: 10, nNeg: 990, topK: 9 })).toThrow(/topK/);
    expect(() => drawToyRanking({ nPos: 0, nNeg: 5, topK: 3, seed: 1 })).toThrow(/nPos/);
    expect(() => drawToyRankings(TOY_CLASSIFIERS.CA, 0, 1)).toThrow(/count/);
  });
});
