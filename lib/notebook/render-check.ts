/**
 * Judging a rendered notebook page as a reader would, from measurements taken in the browser (page-probe.js):
 * figures that did not draw or lost traces, labels cut off by the figure's edge or hidden by plotly, legends over
 * the data, axis ranges that hide the data, and page content a reader stumbles on (raw object dumps, stderr, paths
 * of this machine). Pure: snapshots in, findings out.
 *
 * Every finding says where it comes from, so the fix lands in the right place: `notebook text` (a markdown cell or
 * a code cell's source: edit the notebook), `cell output` (what the code printed or displayed: the lib helper or
 * the notebook code that called it), `figure` (the plot layout: lib/plots or the spec the notebook built), `page`
 * (the rendered page itself: console errors, resources it could not load).
 */
import { findOutsidePaths, isObjectDump, linkProblem, type PathContext } from './page-content';

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

export interface OutputSnapshot {
  /** nbconvert's data-mime-type: text/plain, text/html, application/vnd.jupyter.stderr, ... */
  mime: string;
  text: string;
  /** How far (px) its content runs past the output area's right edge: a table or line too wide for the page. */
  overflow: number;
}

export interface LinkSnapshot {
  target: string;
  text: string;
  inOutput: boolean;
}

export interface CellSnapshot {
  /** The cell's number in the committed notebook (1-based), or `injected` for the runner's parameters cell. */
  id: string;
  kind: 'markdown' | 'code' | 'raw';
  input: string;
  /** How far (px) the cell's source runs past its box (code lines too long to see). */
  inputOverflow: number;
  /** Code cells: the longest source line and about how many characters fit the box, in characters. */
  inputLines?: { longest: number; fits: number };
  outputs: OutputSnapshot[];
  links: LinkSnapshot[];
  figures: FigureSnapshot[];
}

export interface PageSnapshot {
  cells: CellSnapshot[];
}

export type FindingOrigin = 'notebook text' | 'cell output' | 'figure' | 'page';

export type CheckName =
  | 'console-error'
  | 'missing-resource'
  | 'network-request'
  | 'figure-not-rendered'
  | 'empty-plot-area'
  | 'trace-not-drawn'
  | 'data-outside-axis'
  | 'squeezed-distribution'
  | 'label-clipped'
  | 'labels-overlap'
  | 'legend-over-plot'
  | 'object-dump'
  | 'stderr-output'
  | 'outside-path'
  | 'broken-link'
  | 'overflow'
  | 'static-export-mismatch';

export interface Finding {
  check: CheckName;
  origin: FindingOrigin;
  cell?: string;
  figure?: string;
  label?: string;
  message: string;
}

/** Thresholds, in CSS pixels unless said otherwise. */
export const RENDER_LIMITS = {
  /** A label may stick out this far before it counts as cut (anti-aliasing, sub-pixel layout). */
  clipTolerance: 1,
  /** Two boxes overlap when they share more than this in both directions. */
  overlapTolerance: 2,
  /** A plot area narrower or lower than this shows nothing readable. */
  minPlotSide: 40,
  /** A distribution (histogram, box) filling less than this share of its value axis is a sliver. */
  minDistributionShare: 0.1,
  /** Content may run this far past its box (borders, sub-pixel layout) before it counts as cut. */
  overflowTolerance: 4,
} as const;

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

export interface PageCheckContext extends PathContext {
  /** Messages the browser logged as errors, and resources it failed to load. */
  consoleErrors?: readonly string[];
  failedRequests?: ReadonlyArray<{ url: string; error: string }>;
  blockedRequests?: readonly string[];
}

/** Everything wrong with one rendered notebook page. */
export function checkPage(page: PageSnapshot, context: PageCheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const message of context.consoleErrors ?? []) {
    findings.push({ origin: 'page', check: 'console-error', message: `console error: ${firstLine(message)}` });
  }
  for (const r of context.failedRequests ?? []) {
    findings.push({ origin: 'page', check: 'missing-resource', message: `the page could not load ${r.url} (${r.error})${resourceHint(r.url)}` });
  }
  for (const url of context.blockedRequests ?? []) {
    findings.push({ origin: 'page', check: 'network-request', message: `the page requests ${url} from the network (blocked; the page must work offline)` });
  }
  for (const cell of page.cells) {
    findings.push(...checkCellContent(cell, context));
    for (const figure of cell.figures) findings.push(...checkFigure(figure).map((f) => ({ ...f, cell: cell.id })));
  }
  return findings;
}

function checkCellContent(cell: CellSnapshot, context: PathContext): Finding[] {
  const findings: Finding[] = [];
  const at = { cell: cell.id };
  for (const path of findOutsidePaths(cell.input, context)) {
    findings.push({ ...at, origin: 'notebook text', check: 'outside-path', label: path, message: `the ${cell.kind} cell's text names ${path}, outside the repository` });
  }
  if (cell.inputOverflow > RENDER_LIMITS.overflowTolerance) {
    const lines = cell.inputLines && cell.inputLines.longest > cell.inputLines.fits ? ` (longest line ${cell.inputLines.longest} characters, about ${cell.inputLines.fits} fit)` : '';
    findings.push({ ...at, origin: 'notebook text', check: 'overflow', message: `the ${cell.kind} cell's source runs ${cell.inputOverflow} px past its box${lines}: the ends of its longest lines are not on the page` });
  }
  cell.outputs.forEach((output, k) => {
    const which = `output ${k + 1}`;
    if (output.overflow > RENDER_LIMITS.overflowTolerance) {
      findings.push({ ...at, origin: 'cell output', check: 'overflow', message: `${which} runs ${output.overflow} px past the page's output area (a table or line too wide): ${firstLine(output.text)}` });
    }
    if (output.mime === 'application/vnd.jupyter.stderr') {
      findings.push({ ...at, origin: 'cell output', check: 'stderr-output', message: `${which} is stderr: ${firstLine(output.text)}` });
    }
    if (isTextOutput(output.mime) && isObjectDump(output.text)) {
      findings.push({ ...at, origin: 'cell output', check: 'object-dump', message: `${which} is a raw object dump: ${firstLine(output.text)}` });
    }
    for (const path of findOutsidePaths(output.text, context)) {
      findings.push({ ...at, origin: 'cell output', check: 'outside-path', label: path, message: `${which} names ${path}, outside the repository` });
    }
  });
  for (const link of cell.links) {
    const problem = linkProblem(link.target, context);
    if (!problem) continue;
    findings.push({
      ...at,
      origin: link.inOutput ? 'cell output' : 'notebook text',
      check: problem,
      label: link.target,
      message: `link "${link.text || link.target}" -> ${link.target} ${problem === 'outside-path' ? 'points outside the repository' : 'points to a file that does not exist'}`,
    });
  }
  return findings;
}

/** Outputs shown as text (not HTML or images), where a printed value would land. */
function isTextOutput(mime: string): boolean {
  return mime === 'text/plain' || mime === 'application/vnd.jupyter.stdout';
}

function resourceHint(url: string): string {
  if (url.includes('/mathjax/')) return '; equations stay raw TeX: install Debian `libjs-mathjax`';
  if (url.includes('/requirejs/')) return '; install Debian `libjs-requirejs`';
  return '';
}

/** One line per finding: notebook, cell, figure, label, what is wrong, and where the fix belongs. */
export function formatFinding(notebook: string, f: Finding): string {
  const where = [notebook, f.cell === undefined ? undefined : f.cell === 'injected' ? 'injected parameters cell' : `cell ${f.cell}`]
    .filter(Boolean)
    .join(', ');
  return `${where}: [${f.check}, ${f.origin}] ${f.message}`;
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

/** The first line that says something (banners open with rules of `=` or `-`). */
function firstLine(text: string): string {
  const lines = text.trim().split('\n');
  const line = (lines.find((l) => /[A-Za-z0-9]/.test(l)) ?? lines[0] ?? '').trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

function round(x: number): number {
  return Math.round(x);
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(4)));
}
