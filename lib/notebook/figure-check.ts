/**
 * Judging one plotly figure as a reader sees it, from measurements taken in the browser (page-probe.js, live in a
 * page or a static SVG export): figures that did not draw or lost traces, labels cut by the figure's edge or
 * dropped by plotly, labels on each other or under the legend, a legend on the data, data outside its axis range
 * or squeezed into a sliver of it. Pure: snapshot in, findings out.
 */
import { RENDER_LIMITS, type Finding } from './findings';

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export type TextKind = 'tick' | 'axis-title' | 'title' | 'legend' | 'annotation' | 'table' | 'other';

export interface FigureText {
  kind: TextKind;
  /** Axis id (`x`, `y2`, ...) for ticks and axis titles. */
  axis?: string;
  text: string;
  /** Axis-aligned bounds on the page (what clipping is judged on). */
  box: Box;
  /** The text's own rectangle, turned with it (rotated tick labels), as four [x, y] corners; empty when hidden. */
  corners: Array<[number, number]>;
  /** Not displayed: plotly hides a tick label that would overflow the figure (`ticklabeloverflow`). */
  hidden: boolean;
}

/** Where a trace's values sit on one linear axis. */
export interface TraceExtent {
  axis: string;
  range: [number, number];
  count: number;
  outside: number;
  min: number;
  max: number;
}

export interface FigureTrace {
  index: number;
  name: string;
  type: string;
  /** plotly's resolved visibility: false for a trace with no points or `visible: false`, 'legendonly' hidden. */
  visible: boolean;
  points: number | null;
  drawn: boolean;
  extents: TraceExtent[];
}

export interface FigureSnapshot {
  name: string;
  rendered: boolean;
  /** The figure's own bounds (its SVG): text beyond them is cut off. */
  bounds: Box;
  plotAreas: Box[];
  legend?: Box;
  texts: FigureText[];
  /** Live figures only; a static SVG has no trace model. */
  traces?: FigureTrace[];
  /**
   * The figure's axes as laid out (`xaxis`, `yaxis2`, ...: tick arrays and ranges), from the live plot or the
   * exported spec: a static export leaves out a label plotly dropped, so what should be there comes from here.
   */
  axes?: Record<string, AxisLayout>;
}

export interface AxisLayout {
  tickvals?: unknown;
  ticktext?: unknown;
  range?: unknown;
  showticklabels?: boolean;
  visible?: boolean;
}

const DISTRIBUTION_TRACES = new Set(['histogram', 'box', 'violin']);

/** Everything wrong with one figure (live in the page, or a static SVG export). */
export function checkFigure(figure: FigureSnapshot): Finding[] {
  const at = { origin: 'figure' as const, figure: figure.name };
  if (!figure.rendered) {
    return [{ ...at, check: 'figure-not-rendered', message: `figure "${figure.name}" was not drawn (plotly never rendered it)` }];
  }
  const findings: Finding[] = [];
  const width = figure.bounds.x1 - figure.bounds.x0;
  const height = figure.bounds.y1 - figure.bounds.y0;
  const usable = figure.plotAreas.filter((a) => a.x1 - a.x0 >= RENDER_LIMITS.minPlotSide && a.y1 - a.y0 >= RENDER_LIMITS.minPlotSide);
  if (width <= 0 || height <= 0 || (figure.plotAreas.length > 0 && usable.length === 0)) {
    findings.push({ ...at, check: 'empty-plot-area', message: `figure "${figure.name}" has no plot area to draw in (${round(width)} x ${round(height)} px figure)` });
  }
  findings.push(...checkTraces(figure), ...checkLabels(figure), ...checkLegend(figure));
  return findings;
}

function checkTraces(figure: FigureSnapshot): Finding[] {
  const findings: Finding[] = [];
  for (const trace of figure.traces ?? []) {
    if (!trace.visible) continue;
    const what = `trace ${trace.index} "${trace.name}" (${trace.type})`;
    const at = { origin: 'figure' as const, figure: figure.name, label: trace.name };
    if (!trace.drawn) {
      findings.push({ ...at, check: 'trace-not-drawn', message: `figure "${figure.name}": ${what} has ${trace.points ?? 'some'} points but nothing was drawn` });
    }
    for (const e of trace.extents) {
      if (e.outside > 0) {
        findings.push({
          ...at,
          check: 'data-outside-axis',
          message: `figure "${figure.name}": ${e.outside} of ${e.count} values of ${what} lie outside the ${e.axis} axis range [${fmt(e.range[0])}, ${fmt(e.range[1])}] (data ${fmt(e.min)}..${fmt(e.max)})`,
        });
      }
    }
    const valueExtent = DISTRIBUTION_TRACES.has(trace.type) ? trace.extents.find((e) => e.count > 1) : undefined;
    if (valueExtent) {
      const share = (valueExtent.max - valueExtent.min) / (valueExtent.range[1] - valueExtent.range[0]);
      if (share < RENDER_LIMITS.minDistributionShare) {
        findings.push({
          ...at,
          check: 'squeezed-distribution',
          message:
            `figure "${figure.name}": ${what} spans ${fmt(valueExtent.min)}..${fmt(valueExtent.max)}, ${(100 * share).toFixed(1)}% of its ` +
            `${valueExtent.axis} axis [${fmt(valueExtent.range[0])}, ${fmt(valueExtent.range[1])}]: the distribution is a sliver`,
        });
      }
    }
  }
  return findings;
}

function checkLabels(figure: FigureSnapshot): Finding[] {
  const findings: Finding[] = [];
  const tol = RENDER_LIMITS.clipTolerance;
  const b = figure.bounds;
  for (const t of figure.texts) {
    const what = describeText(t);
    const at = { origin: 'figure' as const, figure: figure.name, label: t.text };
    if (t.hidden) {
      if (t.kind === 'tick') {
        findings.push({ ...at, check: 'label-clipped', message: `figure "${figure.name}": ${what} "${t.text}" is hidden (plotly drops a tick label that would overflow the figure)` });
      }
      continue;
    }
    const over = [
      t.box.x0 < b.x0 - tol ? `left by ${round(b.x0 - t.box.x0)} px` : '',
      t.box.x1 > b.x1 + tol ? `right by ${round(t.box.x1 - b.x1)} px` : '',
      t.box.y0 < b.y0 - tol ? `top by ${round(b.y0 - t.box.y0)} px` : '',
      t.box.y1 > b.y1 + tol ? `bottom by ${round(t.box.y1 - b.y1)} px` : '',
    ].filter(Boolean);
    if (over.length > 0) {
      findings.push({ ...at, check: 'label-clipped', message: `figure "${figure.name}": ${what} "${t.text}" is cut off at the ${over.join(', ')}` });
    }
  }
  findings.push(...missingTickLabels(figure), ...labelOverlaps(figure));
  return findings;
}

/** Labels the layout puts on an axis (explicit tick arrays, inside a fixed range) that the render lacks. */
function missingTickLabels(figure: FigureSnapshot): Finding[] {
  const findings: Finding[] = [];
  for (const { axis, labels } of expectedTickLabels(figure.axes ?? {})) {
    const drawn = new Set(figure.texts.filter((t) => t.kind === 'tick' && t.axis === axis).map((t) => normaliseLabel(t.text)));
    for (const label of labels) {
      if (drawn.has(normaliseLabel(label))) continue;
      const text = plainLabel(label);
      findings.push({
        origin: 'figure',
        figure: figure.name,
        label: text,
        check: 'label-clipped',
        message: `figure "${figure.name}": ${axis} tick label "${text}" is missing from the render (plotly drops a label that would overflow the figure)`,
      });
    }
  }
  return findings;
}

/** For each axis with explicit `tickvals`/`ticktext` and a set range: the labels whose ticks fall inside it. */
export function expectedTickLabels(axes: Record<string, AxisLayout>): Array<{ axis: string; labels: string[] }> {
  const out: Array<{ axis: string; labels: string[] }> = [];
  for (const [key, a] of Object.entries(axes)) {
    const m = /^([xy])axis(\d*)$/.exec(key);
    if (!m || a.visible === false || a.showticklabels === false) continue;
    if (!Array.isArray(a.tickvals) || !Array.isArray(a.ticktext) || !Array.isArray(a.range)) continue;
    const [r0, r1] = a.range as number[];
    if (typeof r0 !== 'number' || typeof r1 !== 'number') continue;
    const lo = Math.min(r0, r1);
    const hi = Math.max(r0, r1);
    const labels = (a.tickvals as unknown[])
      .map((v, i) => ({ v, text: (a.ticktext as unknown[])[i] }))
      .filter(({ v, text }) => typeof v === 'number' && v >= lo && v <= hi && typeof text === 'string' && plainLabel(text) !== '')
      .map(({ text }) => text as string);
    if (labels.length > 0) out.push({ axis: `${m[1]}${m[2]}`, labels });
  }
  return out;
}

/** A plotly label as text: line breaks and tags dropped, entities decoded. */
function plainLabel(label: string): string {
  return label
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
}

/** SVG text content joins a label's lines without a space, so compare without any whitespace. */
function normaliseLabel(label: string): string {
  return plainLabel(label).replace(/\s+/g, '');
}

/** Text over text: tick labels of one axis on each other, or the legend on tick labels and axis titles. */
function labelOverlaps(figure: FigureSnapshot): Finding[] {
  const shown = figure.texts.filter((t) => !t.hidden);
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const report = (a: FigureText, b: FigureText): void => {
    const key = [a.text, b.text].sort().join('\u0000');
    if (seen.has(key)) return;
    seen.add(key);
    findings.push({
      origin: 'figure',
      figure: figure.name,
      label: a.text,
      check: 'labels-overlap',
      message: `figure "${figure.name}": ${describeText(a)} "${a.text}" overlaps ${describeText(b)} "${b.text}"`,
    });
  };
  for (let i = 0; i < shown.length; i++) {
    for (let j = i + 1; j < shown.length; j++) {
      const a = shown[i]!;
      const c = shown[j]!;
      const sameAxisTicks = a.kind === 'tick' && c.kind === 'tick' && a.axis === c.axis;
      const legendOnAxis =
        (a.kind === 'legend' && (c.kind === 'tick' || c.kind === 'axis-title')) ||
        (c.kind === 'legend' && (a.kind === 'tick' || a.kind === 'axis-title'));
      if ((sameAxisTicks || legendOnAxis) && textsOverlap(a, c)) report(a, c);
    }
  }
  return findings;
}

function checkLegend(figure: FigureSnapshot): Finding[] {
  if (!figure.legend) return [];
  const area = figure.plotAreas.find((a) => overlaps(a, figure.legend!));
  if (!area) return [];
  return [
    {
      origin: 'figure',
      figure: figure.name,
      check: 'legend-over-plot',
      message: `figure "${figure.name}": the legend covers part of a plot area (it can hide data); place it outside the axes`,
    },
  ];
}

function describeText(t: FigureText): string {
  switch (t.kind) {
    case 'tick':
      return `${t.axis ?? ''} tick label`.trim();
    case 'axis-title':
      return `${t.axis ?? ''} axis title`.trim();
    case 'title':
      return 'title';
    case 'legend':
      return 'legend entry';
    case 'annotation':
      return 'annotation';
    case 'table':
      return 'table text';
    default:
      return 'text';
  }
}

function textsOverlap(a: FigureText, b: FigureText): boolean {
  if (a.corners.length === 4 && b.corners.length === 4) return polygonsOverlap(a.corners, b.corners);
  return overlaps(a.box, b.box);
}

/**
 * Separating-axis test for two convex polygons: they overlap when their projections on every edge normal share
 * more than `tolerance` px.
 */
export function polygonsOverlap(
  a: ReadonlyArray<readonly [number, number]>,
  b: ReadonlyArray<readonly [number, number]>,
  tolerance: number = RENDER_LIMITS.overlapTolerance,
): boolean {
  for (const polygon of [a, b]) {
    for (let i = 0; i < polygon.length; i++) {
      const [x0, y0] = polygon[i]!;
      const [x1, y1] = polygon[(i + 1) % polygon.length]!;
      const length = Math.hypot(x1 - x0, y1 - y0);
      if (length === 0) continue;
      const nx = (y0 - y1) / length;
      const ny = (x1 - x0) / length;
      const project = (p: readonly [number, number]): number => p[0] * nx + p[1] * ny;
      const pa = a.map(project);
      const pb = b.map(project);
      const shared = Math.min(Math.max(...pa), Math.max(...pb)) - Math.max(Math.min(...pa), Math.min(...pb));
      if (shared <= tolerance) return false;
    }
  }
  return true;
}

export function overlaps(a: Box, b: Box, tolerance: number = RENDER_LIMITS.overlapTolerance): boolean {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
  const h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > tolerance && h > tolerance;
}

function round(x: number): number {
  return Math.round(x);
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(4)));
}

