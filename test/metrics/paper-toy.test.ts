/**
 * The toy ROC-vs-PRC example of the paper's Fig. 2 (paper-facts.md §5.5): 10 positives among 1000, the
 * positive ranks read off the v1 figure, and the AUROC / AUPRC values quoted there to 3-4 decimals.
 */
import { describe, expect, it } from 'vitest';
import { auprc, auroc } from '../../lib/metrics';
import { fromRanks } from './golden-cases';

const realisations = [
  { name: 'classifier A', ranks: [1, 2, 3, 4, 5, 6, 7, 8, 10, 12], auroc: 0.9997, trapezoid: 0.972, ap: 0.973 },
  { name: 'classifier B', ranks: [2, 4, 5, 9, 10, 11, 15, 24, 25, 29], auroc: 0.992, trapezoid: 0.407, ap: 0.46 },
];

describe('paper Fig. 2 toy realisation (paper-facts §5.5)', () => {
  it.each(realisations)('$name matches the quoted AUROC, AUPRC (trapezoid) and AP', (r) => {
    const { labels, scores } = fromRanks(1000, r.ranks);
    // Within one unit of the last quoted digit: §5.5 gives B's AP (0.45947) as 0.460.
    expect(Math.abs(auroc(labels, scores) - r.auroc)).toBeLessThan(1e-4);
    expect(Math.abs(auprc(labels, scores, 'trapezoid') - r.trapezoid)).toBeLessThan(1e-3);
    expect(Math.abs(auprc(labels, scores, 'average-precision') - r.ap)).toBeLessThan(1e-3);
  });

  it('AUROC is the fraction of correctly ordered (positive, negative) pairs', () => {
    // Positive at rank r outranks 1000 - r - (positives below it) negatives; count the pairs directly.
    for (const r of realisations) {
      const { labels, scores } = fromRanks(1000, r.ranks);
      let correct = 0;
      for (const rank of r.ranks) {
        const below = 1000 - rank;
        const positivesBelow = r.ranks.filter((other) => other > rank).length;
        correct += below - positivesBelow;
      }
      expect(auroc(labels, scores)).toBeCloseTo(correct / (10 * 990), 15);
    }
  });
});
