import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../lib/errors';
import { prCurve, rocCurve } from '../../lib/metrics/index';
import { rocPrFigure } from '../../lib/plots/index';

const labels = [1, 0, 1, 1, 0, 0, 1, 0, 0, 0];
const scores = Float64Array.from([0.9, 0.8, 0.7, 0.65, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]);
const curve = { name: 'A', roc: rocCurve(labels, scores), pr: prCurve(labels, scores), auroc: 0.75, auprc: 0.7123, averagePrecision: 0.72 };

describe('rocPrFigure', () => {
  it('puts the ROC curve on the left axes and the PR curve on the right, one pair per classifier', () => {
    const spec = rocPrFigure([curve, { ...curve, name: 'B' }]);
    const rocTraces = spec.data.filter((t) => t.xaxis === 'x' && t.showlegend);
    const prTraces = spec.data.filter((t) => t.xaxis === 'x2' && t.showlegend);
    expect(rocTraces.map((t) => t.name)).toEqual(['A (AUROC 0.750)', 'B (AUROC 0.750)']);
    expect(prTraces.map((t) => t.name)).toEqual(['A (AUPRC 0.712, AP 0.720)', 'B (AUPRC 0.712, AP 0.720)']);
    expect(rocTraces[0]!.x).toEqual(Array.from(curve.roc.fpr));
    expect(prTraces[0]!.y).toEqual(Array.from(curve.pr.precision));
    expect(rocTraces[0]!.line).not.toEqual(rocTraces[1]!.line);
  });

  it('serialises typed arrays as JSON arrays and fixes both axes to the unit square', () => {
    const spec = JSON.parse(JSON.stringify(rocPrFigure([curve])));
    const roc = spec.data.find((t: { name: string }) => t.name.startsWith('A (AUROC'));
    expect(Array.isArray(roc.x)).toBe(true);
    for (const key of ['xaxis', 'yaxis', 'xaxis2', 'yaxis2']) expect(spec.layout[key].range).toEqual([-0.02, 1.02]);
    expect(spec.layout.xaxis.domain[1]).toBeLessThan(spec.layout.xaxis2.domain[0]);
  });

  it('adds the prevalence baseline and the definitions table on request', () => {
    const spec = rocPrFigure([curve], { prevalence: 0.01, definitionsPanel: true });
    const baseline = spec.data.find((t) => String(t.name).startsWith('chance (precision'));
    expect(baseline?.y).toEqual([0.01, 0.01]);
    const table = spec.data.find((t) => t.type === 'table') as { cells: { values: string[][] } } | undefined;
    expect(table?.cells.values[1]).toEqual(['TP / (TP + FN)', 'FP / (FP + TN)', 'TP / (TP + FP)']);
  });

  it('rejects non-finite or misaligned curves with a typed error naming the field', () => {
    const bad = { ...curve, roc: { fpr: [0, Number.NaN, 1], tpr: [0, 0.5, 1] } };
    expect(() => rocPrFigure([bad])).toThrow(MetricInputError);
    expect(() => rocPrFigure([bad])).toThrow(/A\.roc\.fpr\[1\]/);
    expect(() => rocPrFigure([{ ...curve, pr: { precision: [1, 0.5], recall: [0] } }])).toThrow(/A\.pr/);
    expect(() => rocPrFigure([])).toThrow(MetricInputError);
  });
});
