/**
 * Judging figures on hand-made measurements: each defect a reader would meet must produce a finding that names the
 * figure and label, and a clean figure none.
 */
import { describe, expect, it } from 'vitest';
import {
  checkFigure,
  expectedTickLabels,
  polygonsOverlap,
  type FigureSnapshot,
  type FigureText,
} from '../../lib/notebook/figure-check';

function text(kind: FigureText['kind'], label: string, x0: number, y0: number, x1: number, y1: number, axis?: string): FigureText {
  return { kind, axis, text: label, box: { x0, y0, x1, y1 }, corners: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], hidden: false };
}

/** A 400 x 300 figure with a plot area inside 60..380 x 40..240, clean unless a test changes it. */
function figure(overrides: Partial<FigureSnapshot> = {}): FigureSnapshot {
  return {
    name: 'bars',
    rendered: true,
    bounds: { x0: 0, y0: 0, x1: 400, y1: 300 },
    plotAreas: [{ x0: 60, y0: 40, x1: 380, y1: 240 }],
    legend: { x0: 60, y0: 270, x1: 200, y1: 295 },
    texts: [
      text('title', 'AUROC per model', 120, 5, 280, 25),
      text('tick', 'TL', 100, 245, 120, 260, 'x'),
      text('tick', 'RI', 200, 245, 220, 260, 'x'),
      text('tick', '0.5', 35, 230, 55, 245, 'y'),
      text('legend', 'paper', 80, 275, 120, 290),
    ],
    traces: [
      {
        index: 0,
        name: 'TL',
        type: 'bar',
        visible: true,
        points: 2,
        drawn: true,
        extents: [{ axis: 'y', range: [0, 1], count: 2, outside: 0, min: 0.6, max: 0.8 }],
      },
    ],
    ...overrides,
  };
}

const checks = (f: FigureSnapshot) => checkFigure(f).map((x) => x.check);

describe('checkFigure', () => {
  it('passes a clean figure', () => {
    expect(checkFigure(figure())).toEqual([]);
  });

  it('reports a figure plotly never drew, and one without a plot area', () => {
    expect(checkFigure(figure({ rendered: false }))).toMatchObject([{ check: 'figure-not-rendered', figure: 'bars', origin: 'figure' }]);
    expect(checks(figure({ plotAreas: [{ x0: 60, y0: 40, x1: 380, y1: 45 }] }))).toEqual(['empty-plot-area']);
  });

  it('reports a tick label cut by the figure edge, and one plotly hid because it would overflow', () => {
    const cut = figure({ texts: [...figure().texts, text('tick', 'opacity (synthetic-cxr, SYNTHETIC)', 300, 245, 460, 300, 'x')] });
    const [finding] = checkFigure(cut);
    expect(finding).toMatchObject({ check: 'label-clipped', label: 'opacity (synthetic-cxr, SYNTHETIC)' });
    expect(finding!.message).toContain('right by 60 px');
    const hidden = { ...text('tick', 'no_finding', 0, 0, 0, 0, 'x'), hidden: true, corners: [] };
    expect(checkFigure(figure({ texts: [...figure().texts, hidden] }))).toMatchObject([{ check: 'label-clipped', label: 'no_finding' }]);
    // A hidden legend or annotation text is a choice, not a cut label.
    expect(checkFigure(figure({ texts: [...figure().texts, { ...hidden, kind: 'annotation' }] }))).toEqual([]);
  });

  it('reports a title cut at both sides', () => {
    const f = figure({ texts: [text('title', 'A very long title', -18, 5, 418, 25)] });
    expect(checkFigure(f)[0]!.message).toMatch(/title "A very long title" is cut off at the left by 18 px, right by 18 px/);
  });

  it('reports overlapping tick labels of one axis and a legend on the tick labels, not turned labels that only look close', () => {
    const crowded = figure({ texts: [text('tick', 'CBR-LargeT', 100, 245, 170, 260, 'x'), text('tick', 'CBR-LargeW', 150, 245, 220, 260, 'x')] });
    expect(checks(crowded)).toEqual(['labels-overlap']);
    const legendOnTicks = figure({ texts: [text('tick', 'ResNet50K-T1', 100, 245, 170, 280, 'x'), text('legend', 'paper (2021)', 120, 270, 200, 290)] });
    expect(checkFigure(legendOnTicks)[0]!.message).toContain('x tick label "ResNet50K-T1" overlaps legend entry "paper (2021)"');
    // Two labels turned by 30 degrees, side by side: their axis-aligned boxes overlap, the labels do not.
    const turned = (label: string, dx: number): FigureText => {
      const c = Math.cos(Math.PI / 6);
      const s = Math.sin(Math.PI / 6);
      const corners = ([[0, 0], [80, 0], [80, 14], [0, 14]] as Array<[number, number]>).map(
        ([x, y]) => [100 + dx + x * c - y * s, 245 + x * s + y * c] as [number, number],
      );
      const xs = corners.map((p) => p[0]);
      const ys = corners.map((p) => p[1]);
      return { kind: 'tick', axis: 'x', text: label, hidden: false, corners, box: { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) } };
    };
    expect(checks(figure({ texts: [turned('Dens-T1', 0), turned('Dens-T2', 40)] }))).toEqual([]);
    expect(checks(figure({ texts: [turned('Dens-T1', 0), turned('Dens-T2', 10)] }))).toEqual(['labels-overlap']);
  });

  it('reports a legend lying on the plot area', () => {
    expect(checks(figure({ legend: { x0: 300, y0: 50, x1: 370, y1: 90 } }))).toEqual(['legend-over-plot']);
  });

  it('reports traces with points but nothing drawn, values outside the axis range and distributions squeezed into a sliver', () => {
    const base = figure().traces![0]!;
    expect(checks(figure({ traces: [{ ...base, drawn: false }] }))).toEqual(['trace-not-drawn']);
    // Hidden on purpose (visible false, e.g. no points) is not a defect.
    expect(checks(figure({ traces: [{ ...base, drawn: false, visible: false }] }))).toEqual([]);
    const outside = { ...base, extents: [{ axis: 'y', range: [0.4, 1] as [number, number], count: 3, outside: 1, min: 0.35, max: 0.8 }] };
    expect(checkFigure(figure({ traces: [outside] }))[0]!.message).toContain('1 of 3 values of trace 0 "TL" (bar) lie outside the y axis range [0.4, 1]');
    const sliver = { ...base, type: 'histogram', name: 'CA', extents: [{ axis: 'x', range: [0, 1] as [number, number], count: 300, outside: 0, min: 0.98, max: 1 }] };
    expect(checkFigure(figure({ traces: [sliver] }))).toMatchObject([{ check: 'squeezed-distribution', label: 'CA' }]);
    const zoomed = { ...sliver, extents: [{ axis: 'x', range: [0.978, 1] as [number, number], count: 300, outside: 0, min: 0.98, max: 1 }] };
    expect(checkFigure(figure({ traces: [zoomed] }))).toEqual([]);
  });

  it('reports a tick label the layout asks for that is not in the render (static exports leave dropped labels out)', () => {
    const axes = { xaxis: { tickvals: [0, 1, 2], ticktext: ['TL', 'RI', 'opacity<br>(SYNTHETIC)'], range: [-0.6, 2.6] } };
    expect(checkFigure(figure({ axes }))).toMatchObject([{ check: 'label-clipped', label: 'opacity (SYNTHETIC)' }]);
    // The same label drawn on two lines (SVG text content joins the lines) is there.
    const drawn = figure({ axes, texts: [...figure().texts, text('tick', 'opacity(SYNTHETIC)', 300, 245, 360, 280, 'x')] });
    expect(checkFigure(drawn)).toEqual([]);
  });
});

describe('expectedTickLabels', () => {
  it('lists the labels of explicit ticks inside a set range, per axis', () => {
    expect(
      expectedTickLabels({
        xaxis: { tickvals: [0, 1, 5], ticktext: ['a', 'b', 'far'], range: [-0.5, 1.5] },
        yaxis2: { tickvals: [0, 1], ticktext: ['no', ''], range: [0, 1] },
        xaxis3: { tickvals: [0], ticktext: ['auto'] },
        yaxis: { tickvals: [0], ticktext: ['hidden'], range: [0, 1], showticklabels: false },
      }),
    ).toEqual([
      { axis: 'x', labels: ['a', 'b'] },
      { axis: 'y2', labels: ['no'] },
    ]);
  });
});

describe('polygonsOverlap', () => {
  it('separates by edge normals with a tolerance', () => {
    const square = (x: number, y: number): Array<[number, number]> => [[x, y], [x + 10, y], [x + 10, y + 10], [x, y + 10]];
    expect(polygonsOverlap(square(0, 0), square(5, 5))).toBe(true);
    expect(polygonsOverlap(square(0, 0), square(9, 0))).toBe(false); // 1 px shared: within tolerance
    expect(polygonsOverlap(square(0, 0), square(20, 0))).toBe(false);
  });
});
