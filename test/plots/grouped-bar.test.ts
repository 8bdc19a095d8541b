import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../lib/errors';
import { groupedBarFigure, type GroupedBarInput } from '../../lib/plots/index';

const input: GroupedBarInput = {
  groups: ['Atelectasis', 'Cardiomegaly', 'Edema'],
  series: ['TL', 'RI'],
  values: [
    [0.81, 0.83, null],
    [0.79, 0.8, 0.9],
  ],
  errors: [
    [0.01, 0.02, null],
    [0.015, 0.01, 0.005],
  ],
  yTitle: 'AUROC',
  reference: { name: 'paper (read off Fig. 3)', values: [[0.82, null, 0.91], [0.8, 0.81, null]] },
};

describe('groupedBarFigure', () => {
  const spec = groupedBarFigure(input);
  const bars = spec.data.filter((t) => t.type === 'bar') as Array<Record<string, any>>;

  it('draws one bar trace per series with error bars, skipping missing cells', () => {
    expect(bars.map((b) => b.name)).toEqual(['TL', 'RI']);
    expect(bars[0]!.y).toEqual([0.81, 0.83]);
    expect(bars[0]!.error_y.array).toEqual([0.01, 0.02]);
    expect(bars[0]!.error_y.visible).toBe(true);
    expect(bars[1]!.y).toEqual([0.79, 0.8, 0.9]);
  });

  it('places series side by side inside each group, without overlap', () => {
    const tl = bars[0]!.x as number[];
    const ri = bars[1]!.x as number[];
    expect(tl[0]).toBeLessThan(0);
    expect(ri[0]).toBeGreaterThan(0);
    expect(ri[0]! - tl[0]!).toBeGreaterThanOrEqual(bars[0]!.width);
    expect((spec.layout.xaxis as any).ticktext).toEqual(input.groups);
  });

  it('labels a missing cell instead of drawing a zero bar', () => {
    const notes = (spec.layout.annotations as Array<Record<string, any>>).filter((a) => a.text === 'no value');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.name).toBe('missing:TL:Edema');
    expect(notes[0]!.x).toBeCloseTo(2 - 0.2, 12);
    const custom = groupedBarFigure({ ...input, missingNote: 'not run (GPU only)' });
    expect((custom.layout.annotations as any[]).some((a) => a.text === 'not run (GPU only)')).toBe(true);
  });

  it('puts reference markers exactly on their bars', () => {
    const ref = spec.data.find((t) => t.mode === 'markers') as Record<string, any>;
    expect(ref.name).toBe('paper (read off Fig. 3)');
    expect(ref.y).toEqual([0.82, 0.91, 0.8, 0.81]);
    expect(ref.x[0]).toBe(bars[0]!.x[0]);
    expect(ref.x[2]).toBe(bars[1]!.x[0]);
  });

  it('covers every value, error bar and marker in the automatic y range', () => {
    const [lo, hi] = (spec.layout.yaxis as any).range as [number, number];
    expect(lo).toBeLessThan(0.79 - 0.015);
    expect(hi).toBeGreaterThan(0.91);
    expect(hi).toBeLessThan(1);
  });

  it('rejects shape mismatches, non-finite cells and unknown annotation targets', () => {
    expect(() => groupedBarFigure({ ...input, values: [[0.8, 0.8, 0.8]] })).toThrow(/values has 1 rows but there are 2 series/);
    expect(() => groupedBarFigure({ ...input, errors: [[0.1], [0.1, 0.1, 0.1]] })).toThrow(/errors\[0\] has 1 cells/);
    expect(() => groupedBarFigure({ ...input, values: [[0.8, Number.NaN, 0.8], [0.8, 0.8, 0.8]] })).toThrow(MetricInputError);
    expect(() => groupedBarFigure({ ...input, annotations: [{ group: 'Nope', text: '*' }] })).toThrow(/unknown group "Nope"/);
  });

  it('places a series note above its error bar', () => {
    const s = groupedBarFigure({ ...input, annotations: [{ group: 'Cardiomegaly', series: 'TL', text: 'p<0.05' }] });
    const note = (s.layout.annotations as any[]).find((a) => a.text === 'p&lt;0.05');
    expect(note.y).toBeCloseTo(0.83 + 0.02, 12);
  });
});
