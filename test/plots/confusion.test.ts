import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../lib/errors';
import { confusionCounts, confusionDefinitionsMarkdown, confusionRates, confusionTableHtml } from '../../lib/plots/index';

describe('confusion table', () => {
  const labels = [1, 1, 0, 1, 0, 0, 0];
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3];

  it('counts predictions at score >= threshold', () => {
    expect(confusionCounts(labels, scores, 0.6)).toEqual({ tp: 3, fp: 1, fn: 0, tn: 3 });
    expect(confusionCounts(labels, scores, 0.85)).toEqual({ tp: 1, fp: 0, fn: 2, tn: 4 });
  });

  it('derives TPR, FPR and precision, NaN when nothing is flagged', () => {
    expect(confusionRates({ tp: 3, fp: 1, fn: 0, tn: 3 })).toEqual({ tpr: 1, fpr: 0.25, precision: 0.75 });
    expect(confusionRates({ tp: 0, fp: 0, fn: 3, tn: 4 }).precision).toBeNaN();
  });

  it('renders definitions, and values when counts are given', () => {
    expect(confusionDefinitionsMarkdown()).toContain('| FPR | FP / (FP + TN) |');
    const empty = confusionTableHtml();
    expect(empty).toContain('>TP<');
    const filled = confusionTableHtml({ tp: 3, fp: 1, fn: 0, tn: 3 }, { caption: 'A <top 4>' });
    expect(filled).toContain('TP = 3');
    expect(filled).toContain('FP / (FP + TN) = 0.250');
    expect(filled).toContain('A &lt;top 4&gt;');
  });

  it('rejects labels other than 0/1 and misaligned inputs', () => {
    expect(() => confusionCounts([1, 2], [0.1, 0.2], 0.5)).toThrow(/labels\[1\] is 2/);
    expect(() => confusionCounts([1], [0.1, 0.2], 0.5)).toThrow(MetricInputError);
  });
});
