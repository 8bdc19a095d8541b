import { describe, expect, it } from 'vitest';
import { labelColumn, labelMetrics, type Predictions } from '../../lib/train/evaluate';
import { auroc } from '../../lib/metrics';

/** Predictions from logits, with the same float32 sigmoid `predict` computes. */
function predictions(logits: number[], labels: number[]): Predictions {
  const z = Float32Array.from(logits);
  return {
    ids: logits.map((_, i) => `item${i}`),
    numLabels: 1,
    logits: z,
    scores: z.map((v) => 1 / (1 + Math.exp(-v))),
    labels: Float32Array.from(labels),
    mask: new Float32Array(logits.length).fill(1),
  };
}

describe('metrics rank by logits, not by saturating float32 probabilities', () => {
  // A confident model: every logit is above 17, where float32 sigmoid is exactly 1, yet it ranks perfectly.
  const logits = [30, 28, 26, 24, 22, 20, 19, 18];
  const labels = [1, 1, 1, 1, 0, 1, 0, 0];

  it('keeps the ranking the probabilities lose', () => {
    const p = predictions(logits, labels);
    expect(new Set(p.scores).size).toBe(1); // the premise: all probabilities are exactly 1.0 in float32
    expect(auroc(labels, Array.from(p.scores))).toBe(0.5); // what ranking by probabilities reported

    const [m] = labelMetrics(p, ['covid19']);
    expect(m.auroc).toBeCloseTo(auroc(labels, logits), 12);
    expect(m.auroc).toBeCloseTo(14 / 15, 12); // 5 positives x 3 negatives, one pair out of order
    // Trapezoidal AUPRC of all-tied scores would be (1 + 5/8) / 2.
    expect(m.auprc).not.toBeCloseTo((1 + 5 / 8) / 2, 3);
    expect(labelColumn(p, 0).scores).toEqual(logits);
  });

  it('gives the same metrics as the probabilities when nothing saturates', () => {
    const mild = [2.5, 1.2, 0.3, -0.4, 0.9, -1.7, -2.2, 0.1];
    const p = predictions(mild, labels);
    const [m] = labelMetrics(p, ['covid19']);
    expect(m.auroc).toBe(auroc(labels, Array.from(p.scores)));
  });
});
