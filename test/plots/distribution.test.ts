import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../lib/errors';
import { metricDistributionFigure } from '../../lib/plots/index';

const panels = [
  { metric: 'AUROC', series: [{ name: 'CA', values: [0.99, 0.995], expected: 0.99 }, { name: 'CB', values: new Float64Array([0.98, 0.985]) }] },
  { metric: 'AUPRC', series: [{ name: 'CA', values: [0.8, 0.9] }, { name: 'CB', values: [0.3, 0.4], expected: 0.37 }] },
];

describe('metricDistributionFigure', () => {
  it('draws one histogram per series and panel on a shared binning when asked to share the range', () => {
    const spec = metricDistributionFigure(panels, { bins: 20, sharedRange: true });
    expect(spec.data).toHaveLength(4);
    expect(spec.data.map((t) => [t.name, t.xaxis])).toEqual([['CA', 'x'], ['CB', 'x'], ['CA', 'x2'], ['CB', 'x2']]);
    for (const t of spec.data) expect(t.xbins).toEqual({ start: 0, end: 1, size: 0.05 });
    expect(spec.data.filter((t) => t.showlegend).map((t) => t.name)).toEqual(['CA', 'CB']);
    expect((spec.data[0]!.marker as any).color).toBe((spec.data[2]!.marker as any).color);
    expect((spec.layout.xaxis2 as any).range).toEqual([0, 1]);
  });

  it('zooms each panel to its own draws and reference lines, inside the metric limits', () => {
    const spec = metricDistributionFigure(panels, { bins: 10 });
    const auroc = (spec.layout.xaxis as any).range as [number, number];
    const auprc = (spec.layout.xaxis2 as any).range as [number, number];
    // AUROC draws span 0.98..0.995: the axis covers them with a little room, not the whole [0, 1].
    expect(auroc[0]).toBeLessThan(0.98);
    expect(auroc[0]).toBeGreaterThan(0.97);
    expect(auroc[1]).toBeGreaterThan(0.995);
    expect(auroc[1]).toBeLessThanOrEqual(1);
    expect(auprc[0]).toBeLessThan(0.3);
    expect(auprc[1]).toBeGreaterThan(0.9);
    // Bins follow the panel's own range.
    expect(spec.data[0]!.xbins).toEqual({ start: auroc[0], end: auroc[1], size: (auroc[1] - auroc[0]) / 10 });
    // A draw at the limit is not padded past it.
    const atLimit = metricDistributionFigure([{ metric: 'AUROC', series: [{ name: 'a', values: [0.9, 1] }] }]);
    expect((atLimit.layout.xaxis as any).range[1]).toBe(1);
  });

  it('marks expected values with dashed lines on the right panel', () => {
    const shapes = metricDistributionFigure(panels).layout.shapes as any[];
    expect(shapes.map((s) => [s.xref, s.x0])).toEqual([['x', 0.99], ['x2', 0.37]]);
    expect(shapes[1].yref).toBe('y2 domain');
  });

  it('draws horizontal reference lines for box plots', () => {
    const spec = metricDistributionFigure(panels, { kind: 'box', range: [0.2, 1], sharedRange: true });
    expect(spec.data.every((t) => t.type === 'box')).toBe(true);
    const shapes = spec.layout.shapes as any[];
    expect(shapes[0].y0).toBe(0.99);
    expect((spec.layout.yaxis as any).range).toEqual([0.2, 1]);
  });

  it('rejects empty input and empty ranges', () => {
    expect(() => metricDistributionFigure([])).toThrow(MetricInputError);
    expect(() => metricDistributionFigure([{ metric: 'x', series: [{ name: 'a', values: [] }] }])).toThrow(/x\/a has no values/);
    expect(() => metricDistributionFigure(panels, { range: [1, 1] })).toThrow(/empty range/);
  });
});
