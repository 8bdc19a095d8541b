import { describe, expect, it } from 'vitest';
import { dataEfficiencyFigure, type EfficiencyPanel } from '../../lib/plots/data-efficiency';

const panel = (metric: string, shift: number): EfficiencyPanel => ({
  metric,
  chance: { value: 0.5, label: 'chance' },
  series: [
    { name: 'TL', points: [0.01, 0.1, 1].map((f, i) => ({ fraction: f, value: 0.8 + 0.05 * i + shift, lower: 0.75 + 0.05 * i + shift, upper: 0.85 + 0.05 * i + shift, n: 3 })) },
    { name: 'RI', points: [1, 0.01].map((f) => ({ fraction: f, value: 0.7, lower: 0.6, upper: 0.78, n: 3 })) },
  ],
});

describe('dataEfficiencyFigure', () => {
  it('one line per arm and panel, sorted by fraction, asymmetric error bars, log x axis with percent ticks', () => {
    const spec = dataEfficiencyFigure([panel('test AUROC', 0), panel('test AUPRC', 0.05)], { title: 't' });
    const lines = spec.data.filter((t) => t['mode'] === 'lines+markers');
    expect(lines).toHaveLength(4);
    const ri = lines.find((t) => t['name'] === 'RI')!;
    expect(ri['x']).toEqual([1, 100]);
    expect((ri['error_y'] as { array: number[] }).array[0]).toBeCloseTo(0.08, 12);
    expect((ri['error_y'] as { arrayminus: number[] }).arrayminus[0]).toBeCloseTo(0.1, 12);
    expect(lines.filter((t) => t['showlegend'] === true).map((t) => t['name'])).toEqual(['TL', 'RI']);
    expect(lines.filter((t) => t['name'] === 'TL').map((t) => (t['line'] as { color: string }).color)).toEqual(
      lines.filter((t) => t['name'] === 'TL').map(() => (lines[0]!['line'] as { color: string }).color),
    );
    const x2 = spec.layout['xaxis2'] as { type: string; ticktext: string[] };
    expect(x2.type).toBe('log');
    expect(x2.ticktext).toEqual(['1%', '10%', '100%']);
    expect((spec.layout['yaxis'] as { range: number[] }).range[0]).toBe(0.45);
  });

  it('rejects a point outside its interval or a fraction outside (0, 1], naming it', () => {
    const bad = panel('AUROC', 0);
    bad.series[1]!.points[0] = { fraction: 1, value: 0.9, lower: 0.6, upper: 0.8, n: 1 };
    expect(() => dataEfficiencyFigure([bad], { title: 't' })).toThrow(/series\[1\] \(RI\)\.points\[0\] needs lower <= value <= upper/);
    const bad2 = panel('AUROC', 0);
    bad2.series[0]!.points[0]!.fraction = 0;
    expect(() => dataEfficiencyFigure([bad2], { title: 't' })).toThrow(/fraction must be in \(0, 1\]/);
  });
});

describe('dataEfficiencyFigure: arms without points', () => {
  it('keep their colour slot, so an arm is drawn in the same colour whatever else is missing', () => {
    const full = panel('AUROC', 0);
    const noTl: EfficiencyPanel = { ...full, series: [{ name: 'TL', points: [] }, full.series[1]!] };
    const a = dataEfficiencyFigure([full], { title: 't' }).data.find((t) => t['name'] === 'RI')!;
    const b = dataEfficiencyFigure([noTl], { title: 't' }).data.find((t) => t['name'] === 'RI')!;
    expect((b['line'] as { color: string }).color).toBe((a['line'] as { color: string }).color);
    expect(dataEfficiencyFigure([noTl], { title: 't' }).data.filter((t) => t['name'] === 'TL')).toHaveLength(0);
  });
});
