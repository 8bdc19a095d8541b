import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../lib/errors';
import { auprc, auroc, averagePrecision, multiLabelMetrics } from '../../lib/metrics';
import { createRng } from '../../lib/util/random';

const names = ['Atelectasis', 'Cardiomegaly', 'Edema'];

/** 200 samples x 3 labels with signal; uncertain entries (-1 labels, as in CheXpert) masked out. */
function makeData(seed: number) {
  const rng = createRng(seed);
  const labels: number[][] = [];
  const scores: number[][] = [];
  const mask: number[][] = [];
  for (let r = 0; r < 200; r++) {
    const yRow: number[] = [];
    const sRow: number[] = [];
    const mRow: number[] = [];
    for (let j = 0; j < names.length; j++) {
      const uncertain = rng.next() < 0.15;
      const y = rng.next() < 0.2 + 0.2 * j ? 1 : 0;
      yRow.push(uncertain ? -1 : y);
      sRow.push(Math.round((rng.next() + 0.4 * y) * 20) / 20); // rounded: ties across classes
      mRow.push(uncertain ? 0 : 1);
    }
    labels.push(yRow);
    scores.push(sRow);
    mask.push(mRow);
  }
  return { labels, scores, mask };
}

function column(matrix: number[][], j: number, keep: number[][]): number[] {
  return matrix.filter((_, r) => keep[r]![j] === 1).map((row) => row[j]!);
}

describe('multiLabelMetrics', () => {
  it('equals the single-label metrics on each column with masked entries left out (U-Ignore)', () => {
    const { labels, scores, mask } = makeData(1);
    const results = multiLabelMetrics(labels, scores, { labelNames: names, mask });
    expect(results.map((r) => r.label)).toEqual(names);
    names.forEach((_, j) => {
      const y = column(labels, j, mask);
      const s = column(scores, j, mask);
      const r = results[j]!;
      expect(r.n).toBe(y.length);
      expect(r.n).toBeLessThan(200); // some entries were masked
      expect(r.positives).toBe(y.filter((v) => v === 1).length);
      expect(r.negatives).toBe(y.filter((v) => v === 0).length);
      expect(r.auroc).toBe(auroc(y, s));
      expect(r.auprc).toBe(auprc(y, s, 'trapezoid'));
      expect(r.averagePrecision).toBe(averagePrecision(y, s));
      expect(r.reason).toBeUndefined();
    });
  });

  it('masking changes a label only through the masked entries', () => {
    const { labels, scores, mask } = makeData(2);
    // Replace the -1 placeholders by real labels: without a mask they now count, with the mask they do not.
    const filled = labels.map((row) => row.map((v) => (v === -1 ? 1 : v)));
    const masked = multiLabelMetrics(filled, scores, { labelNames: names, mask });
    const unmasked = multiLabelMetrics(filled, scores, { labelNames: names });
    const original = multiLabelMetrics(labels, scores, { labelNames: names, mask });
    expect(masked).toEqual(original);
    expect(unmasked[0]!.n).toBe(200);
    expect(unmasked[0]!.auroc).not.toBe(masked[0]!.auroc);
  });

  it('accepts typed-array rows', () => {
    const { labels, scores, mask } = makeData(3);
    const typed = multiLabelMetrics(
      labels.map((r) => Int8Array.from(r)),
      scores.map((r) => Float64Array.from(r)),
      { labelNames: names, mask: mask.map((r) => Uint8Array.from(r)) },
    );
    expect(typed).toEqual(multiLabelMetrics(labels, scores, { labelNames: names, mask }));
  });

  it('reports undefined metrics as null with a reason instead of throwing', () => {
    const labels = [
      [0, 1, 1, 0],
      [0, 1, 0, 0],
      [0, 1, 1, 1],
    ];
    const scores = [
      [0.1, 0.2, 0.9, 0.5],
      [0.4, 0.3, 0.1, 0.5],
      [0.3, 0.8, 0.7, 0.5],
    ];
    const mask = [
      [1, 1, 1, 0],
      [1, 1, 1, 0],
      [1, 1, 1, 0],
    ];
    const [noPos, noNeg, fine, allMasked] = multiLabelMetrics(labels, scores, {
      labelNames: ['none', 'all', 'fine', 'masked'],
      mask,
    });
    expect(noPos).toEqual({
      label: 'none', n: 3, positives: 0, negatives: 3, auroc: null, auprc: null, averagePrecision: null,
      reason: 'AUROC and AUPRC are undefined: no positive labels among 3 (all are 0)',
    });
    expect(noNeg).toMatchObject({ auroc: null, auprc: 1, averagePrecision: 1, positives: 3, negatives: 0 });
    expect(noNeg!.reason).toBe('AUROC is undefined: no negative labels among 3 (all are 1)');
    expect(fine).toMatchObject({ auroc: 1, auprc: 1, averagePrecision: 1 });
    expect(fine!.reason).toBeUndefined();
    expect(allMasked).toMatchObject({ n: 0, auroc: null, auprc: null, averagePrecision: null });
    expect(allMasked!.reason).toMatch(/every entry is masked/);
  });

  describe('bad input throws MetricInputError naming row, column and label', () => {
    const labels = [
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const scores = [
      [0.1, 0.2],
      [0.5, 0.6],
      [0.3, 0.9],
    ];
    const opts = { labelNames: ['A', 'B'] };
    const cases: Array<[string, () => unknown, RegExp]> = [
      ['NaN score', () => multiLabelMetrics(labels, [[0.1, 0.2], [0.5, NaN], [0.3, 0.9]], opts),
        /label "B": scores\[1\]\[1\] is NaN/],
      ['label 2', () => multiLabelMetrics([[0, 1], [1, 0], [2, 1]], scores, opts),
        /label "A": labels\[2\]\[0\] is 2; labels must be 0 or 1/],
      ['short row', () => multiLabelMetrics(labels, [[0.1, 0.2], [0.5], [0.3, 0.9]], opts),
        /scores\[1\] has 1 entries but labelNames has 2/],
      ['row count', () => multiLabelMetrics(labels.slice(0, 2), scores, opts), /labels has 2 rows but scores has 3/],
      ['mask not 0/1', () => multiLabelMetrics(labels, scores, { ...opts, mask: [[1, 1], [1, 0.5], [1, 1]] }),
        /mask\[1\]\[1\] \(label "B"\) is 0.5; mask entries must be 0 or 1/],
      ['duplicate names', () => multiLabelMetrics(labels, scores, { labelNames: ['A', 'A'] }), /"A" appears twice/],
      ['no names', () => multiLabelMetrics(labels, scores, { labelNames: [] }), /non-empty array of strings/],
      ['no rows', () => multiLabelMetrics([], [], opts), /no rows/],
    ];
    it.each(cases)('%s', (_, f, message) => {
      expect(f).toThrow(MetricInputError);
      expect(f).toThrow(message);
    });

    it('does not validate masked entries (placeholders for uncertain labels are allowed)', () => {
      const r = multiLabelMetrics([[0, -1], [1, 0], [1, 1]], [[0.1, NaN], [0.5, 0.6], [0.3, 0.9]], {
        ...opts,
        mask: [[1, 0], [1, 1], [1, 1]],
      });
      expect(r[1]).toMatchObject({ n: 2, auroc: 1 });
    });
  });
});
