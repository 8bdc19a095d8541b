import { describe, expect, it } from 'vitest';
import { MetricInputError } from '../../lib/errors';
import { logTicks } from '../../lib/plots/grouped-bar';
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

describe('groupedBarFigure axes a reader can trust', () => {
  it('starts counts at zero, so a bar of 32 images looks a fifth of one of 170', () => {
    const views = groupedBarFigure({ groups: ['PA', 'AP Supine', 'AP'], series: ['covid'], values: [[170, 69, 32]], yTitle: 'images' });
    const [lo, hi] = (views.layout.yaxis as any).range as [number, number];
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(170);
  });

  it('never shows negative axis under non-negative values, and keeps the zoom of scores', () => {
    const small = groupedBarFigure({ groups: ['a', 'b'], series: ['s'], values: [[0.05, 0.9]], yTitle: 'share' });
    expect((small.layout.yaxis as any).range[0]).toBe(0);
    const scores = groupedBarFigure({ groups: ['a', 'b'], series: ['s'], values: [[0.71, 0.74]], yTitle: 'AUROC' });
    expect((scores.layout.yaxis as any).range[0]).toBeGreaterThan(0.6);
  });

  it('puts values spanning more than three orders of magnitude on a log axis, and says so', () => {
    const params = groupedBarFigure({
      groups: ['T1', 'F'],
      series: ['backbone', 'GAP head'],
      values: [[0.378, 6.95], [0.0017, 0.0133]],
      yTitle: 'parameters (millions)',
      annotations: [{ group: 'F', series: 'GAP head', text: 'tiny' }],
    });
    const y = params.layout.yaxis as any;
    expect(y.type).toBe('log');
    expect(y.title.text).toBe('parameters (millions) (log scale)');
    expect(y.range[0]).toBeLessThan(Math.log10(0.0017));
    expect(y.range[1]).toBeGreaterThan(Math.log10(6.95));
    // Every tick written out: 0.002 ... 5, never a bare "2" standing for 0.2.
    expect(y.ticktext).toEqual(['0.002', '0.005', '0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1', '2', '5']);
    expect(y.tickvals).toEqual([0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]);
    expect(logTicks([-3.2, 3.5]).ticktext).toEqual(['0.001', '0.01', '0.1', '1', '10', '100', '1,000']);
    // Annotations on a log axis are placed by log10 of their value.
    expect((params.layout.annotations as any[])[0].y).toBeCloseTo(Math.log10(0.0133), 12);
    expect((groupedBarFigure({ ...input }).layout.yaxis as any).type).toBe('linear');
    expect(() => groupedBarFigure({ groups: ['a'], series: ['s'], values: [[0]], yTitle: 'y', yType: 'log' })).toThrow(/above zero/);
  });

  it('breaks a long group label before its parenthesis instead of turning it', () => {
    const spec = groupedBarFigure({ groups: ['covid19 (covid-cohen)', 'TL'], series: ['s'], values: [[0.7, 0.3]], yTitle: 'y' });
    expect((spec.layout.xaxis as any).ticktext).toEqual(['covid19<br>(covid-cohen)', 'TL']);
  });
});
