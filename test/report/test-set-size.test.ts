import { describe, expect, it } from 'vitest';
import { auroc } from '../../lib/metrics';
import { ReportInputError, detectableAurocDifference, hanleyMcNeilSE } from '../../lib/report';
import { createRng } from '../../lib/util/random';

describe('hanleyMcNeilSE', () => {
  it('matches the spread of AUROC over simulated test sets under its own (exponential) model', () => {
    // Hanley & McNeil derive Q1, Q2 for negative-exponential scores, where they are exact. Positive scores
    // ~ Exp(rate 1), negative ~ Exp(rate 4): P(pos > neg) = 4 / (1 + 4) = 0.8.
    const rng = createRng(7);
    const exp = (rate: number) => -Math.log(1 - rng.next()) / rate;
    const nPos = 30;
    const nNeg = 15;
    const labels = [...Array(nPos).fill(1), ...Array(nNeg).fill(0)];
    const values: number[] = [];
    for (let rep = 0; rep < 4000; rep++) {
      const scores = [...Array.from({ length: nPos }, () => exp(1)), ...Array.from({ length: nNeg }, () => exp(4))];
      values.push(auroc(labels, scores));
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
    expect(mean).toBeCloseTo(0.8, 2);
    // 4000 replicates: the SD itself is known to about ±1.2%; allow 5%.
    expect(Math.abs(sd / hanleyMcNeilSE(0.8, nPos, nNeg) - 1)).toBeLessThan(0.05);
  });

  it('shrinks with the test set and gives the detectable difference', () => {
    expect(hanleyMcNeilSE(0.8, 300, 150)).toBeLessThan(hanleyMcNeilSE(0.8, 30, 15) / 3);
    expect(detectableAurocDifference(0.8, 30, 15)).toBeCloseTo(1.96 * Math.SQRT2 * hanleyMcNeilSE(0.8, 30, 15), 15);
  });

  it('rejects an AUROC of 0 or 1 and an empty class', () => {
    expect(() => hanleyMcNeilSE(1, 10, 10)).toThrowError(ReportInputError);
    expect(() => hanleyMcNeilSE(0.8, 0, 10)).toThrowError(/at least one positive and one negative/);
  });
});
