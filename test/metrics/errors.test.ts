import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../lib/errors';
import { auprc, auroc, averagePrecision, prCurve, rocCurve } from '../../lib/metrics';
import type { NumericArray } from '../../lib/metrics';

type Metric = (labels: NumericArray, scores: NumericArray) => unknown;
const all: Array<[string, Metric]> = [
  ['rocCurve', rocCurve],
  ['prCurve', prCurve],
  ['auroc', auroc],
  ['auprc', (l, s) => auprc(l, s)],
  ['auprc average-precision', (l, s) => auprc(l, s, 'average-precision')],
  ['averagePrecision', averagePrecision],
];

function thrown(f: () => unknown): MetricInputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MetricInputError);
    return e as MetricInputError;
  }
  throw new Error('expected a MetricInputError, nothing was thrown');
}

describe.each(all)('%s rejects bad input with a MetricInputError naming the fault', (name, metric) => {
  const scores20 = Array.from({ length: 20 }, (_, i) => i / 20);
  const labels20 = scores20.map((_, i) => i % 2);

  it('length mismatch', () => {
    const e = thrown(() => metric([0, 1, 1], [0.1, 0.2]));
    expect(e.message).toContain('labels has length 3 but scores has length 2');
    expect(e.message.startsWith(name.split(' ')[0]!)).toBe(true);
  });

  it('empty input', () => {
    expect(thrown(() => metric([], new Float64Array(0))).message).toMatch(/labels and scores are empty/);
  });

  it.each([
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('score %s', (bad, text) => {
    const scores = Float64Array.from(scores20);
    scores[17] = bad;
    const e = thrown(() => metric(labels20, scores));
    expect(e.message).toContain(`scores[17] is ${text}`);
    expect(e.details).toMatchObject({ field: 'scores', index: 17 });
  });

  it('a score that is not a number at all', () => {
    const scores = [...scores20] as unknown[];
    scores[3] = '0.5';
    expect(thrown(() => metric(labels20, scores as number[])).message).toContain('scores[3] is 0.5 (string)');
  });

  it.each([[2], [-1], [0.5], [NaN]])('label %s', (bad) => {
    const labels = [...labels20];
    labels[5] = bad;
    const e = thrown(() => metric(labels, scores20));
    expect(e.message).toContain(`labels[5] is ${bad}; labels must be 0 or 1`);
    expect(e.details).toMatchObject({ field: 'labels', index: 5 });
  });

  it('labels or scores that are not arrays', () => {
    expect(thrown(() => metric(undefined as unknown as number[], scores20)).message).toMatch(
      /labels must be an array of numbers, got undefined/,
    );
    expect(thrown(() => metric(labels20, 3 as unknown as number[])).message).toMatch(/scores must be an array/);
  });

  it('no positives: every ROC and PR metric is undefined', () => {
    const e = thrown(() => metric(new Uint8Array(4), [0.1, 0.2, 0.3, 0.4]));
    expect(e.message).toMatch(/undefined: no positive labels among 4 \(all are 0\)/);
  });
});

describe('no negatives', () => {
  const labels = [1, 1, 1];
  const scores = [0.2, 0.9, 0.5];
  it('makes the ROC curve and AUROC undefined', () => {
    expect(thrown(() => auroc(labels, scores)).message).toBe(
      'auroc: AUROC is undefined: no negative labels among 3 (all are 1)',
    );
    expect(thrown(() => rocCurve(labels, scores)).message).toMatch(/no negative labels among 3/);
  });
  it('leaves the PR curve defined with precision 1 throughout', () => {
    expect(auprc(labels, scores)).toBe(1);
    expect(averagePrecision(labels, scores)).toBe(1);
    expect(prCurve(labels, scores).precision).toEqual([1, 1, 1, 1]);
  });
});

describe('other behaviour', () => {
  it('rejects an unknown AUPRC method', () => {
    expect(thrown(() => auprc([0, 1], [0.1, 0.2], 'interpolated' as 'trapezoid')).message).toBe(
      `auprc: method must be 'trapezoid' or 'average-precision', got "interpolated"`,
    );
  });

  it("does not modify the caller's arrays", () => {
    const scores = Float64Array.from({ length: 2000 }, (_, i) => Math.sin(i));
    const labels = Uint8Array.from(scores, (s) => (s > 0.3 ? 1 : 0));
    const before = scores.slice();
    auroc(labels, scores);
    rocCurve(labels, scores);
    expect(scores).toEqual(before);
  });

  it('accepts any numeric array type and gives the same answer', () => {
    const labels = [0, 1, 0, 1, 1, 0, 0, 1];
    const scores = [0.1, 0.8, 0.35, 0.35, 0.9, 0.2, 0.6, 0.5];
    const expected = auroc(labels, scores);
    expect(auroc(Uint8Array.from(labels), Float32Array.from(scores))).toBe(expected);
    expect(auroc(Int32Array.from(labels), Float64Array.from(scores))).toBe(expected);
  });
});
