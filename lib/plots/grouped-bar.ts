/**
 * Paper-style grouped bar charts (e.g. AUROC per label for TL vs RI, mean over seeds with error bars), with
 * an optional marker series for the paper's own values and an explicit note on cells that have no value,
 * so a missing run is never mistaken for a zero.
 *
 * Bars are placed on a numeric x axis (group i at x = i) so that reference markers and notes sit exactly on
 * their bar, which plotly's categorical `barmode: 'group'` does not expose.
 */
import { MetricInputError } from '../errors';
import { escapeHtml } from './roc-pr';
import { axis, baseLayout, breakAtSeams, figureTitle, PAPER_MARKER_COLOUR, seriesColour, TITLE_LINE_PX } from './style';
import type { PlotlySpec, PlotlyTrace } from './types';

export type Cell = number | null;

export interface GroupedBarInput {
  /** Categories along x (e.g. label names, data fractions). */
  groups: readonly string[];
  /** One bar per series in each group (e.g. "TL", "RI"). */
  series: readonly string[];
  /** values[s][g]; null = no value for that cell (drawn as a note, never as a zero bar). */
  values: readonly (readonly Cell[])[];
  /** Error bars, same shape (e.g. std over seeds): the length above the bar, and below it too unless `errorsMinus` is given; null = no error bar. */
  errors?: readonly (readonly Cell[])[];
  /** Lengths below the bar for asymmetric error bars (e.g. a confidence interval); requires `errors`. */
  errorsMinus?: readonly (readonly Cell[])[];
  title?: string;
  yTitle: string;
  /** Value-axis range, in the axis's own units (log10 of the values on a log axis). */
  yRange?: [number, number];
  /**
   * 'log' for values spanning orders of magnitude; default: 'log' when every value is positive and the largest is
   * more than 1000 times the smallest (on a linear axis the small bars would vanish), else 'linear'.
   */
  yType?: 'linear' | 'log';
  /** Values to compare against, e.g. read off the paper's figure: drawn as markers on the bars. */
  reference?: { name: string; values: readonly (readonly Cell[])[] };
  /** Text shown in place of a missing bar; default "no value". */
  missingNote?: string;
  /** Free notes above a bar (series given) or above a group. */
  annotations?: ReadonlyArray<{ group: string; series?: string; text: string }>;
  /** Fraction of each group's slot filled by its bars; default 0.8. */
  groupWidth?: number;
  digits?: number;
}

export function groupedBarFigure(input: GroupedBarInput): PlotlySpec {
  validateInput(input);
  const { groups, series } = input;
  const groupWidth = input.groupWidth ?? 0.8;
  const barWidth = groupWidth / series.length;
  const log = (input.yType ?? defaultYType(input)) === 'log';
  const geometry: BarGeometry = {
    barWidth,
    xOf: (s, g) => g - groupWidth / 2 + (s + 0.5) * barWidth,
    yRange: input.yRange ?? (log ? logRange(input) : autoRange(input)),
    onAxis: log ? Math.log10 : (v) => v,
    digits: input.digits ?? 3,
  };
  const data: PlotlyTrace[] = series.map((_, s) => barTrace(input, s, geometry));
  if (input.reference) data.push(referenceTrace(input, geometry));
  const annotations = [...missingNotes(input, geometry), ...freeNotes(input, geometry)];
  const title = figureTitle(input.title);
  const layout = baseLayout({
    title: title.title,
    margin: { l: 64, r: 24, t: 32 + TITLE_LINE_PX * title.lines, b: 24 },
    barmode: 'overlay',
    bargap: 0,
    xaxis: axis('', {
      tickmode: 'array',
      tickvals: groups.map((_, g) => g),
      ticktext: groups.map(groupTickLabel),
      range: [-0.6, groups.length - 0.4],
      showgrid: false,
    }),
    yaxis: axis(log ? `${input.yTitle} (log scale)` : input.yTitle, { range: geometry.yRange, type: log ? 'log' : 'linear', ...(log ? logTicks(geometry.yRange) : {}) }),
    annotations,
  });
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

interface BarGeometry {
  barWidth: number;
  /** x of series s's bar in group g (groups sit at x = 0, 1, ...). */
  xOf: (s: number, g: number) => number;
  yRange: [number, number];
  /** A value in axis units (annotations on a log axis are placed by log10 of their value). */
  onAxis: (value: number) => number;
  digits: number;
}

/** Characters a group label may hold on one line before it is broken before a parenthesis. */
const GROUP_LABEL_LINE = 14;

/**
 * A group's tick label, escaped, broken before its parenthesis when long ("covid19<br>(covid-cohen)"): two short
 * lines stay level and readable where one long line would be turned and crowd its neighbours.
 */
export function groupTickLabel(group: string): string {
  return breakAtSeams(group, GROUP_LABEL_LINE, [' (']).map(escapeHtml).join('<br>');
}

function validateInput(input: GroupedBarInput): void {
  const { groups, series } = input;
  if (groups.length === 0 || series.length === 0) {
    throw new MetricInputError('groupedBarFigure: need at least one group and one series', { field: 'groups' });
  }
  checkShape(input.values, 'values', series.length, groups.length);
  if (input.errors) checkShape(input.errors, 'errors', series.length, groups.length);
  if (input.errorsMinus) {
    if (!input.errors) throw new MetricInputError('groupedBarFigure: errorsMinus needs errors (the lengths above each bar)', { field: 'errorsMinus' });
    checkShape(input.errorsMinus, 'errorsMinus', series.length, groups.length);
  }
  for (const [field, rows] of [['errors', input.errors], ['errorsMinus', input.errorsMinus]] as const) {
    rows?.forEach((row, s) =>
      row.forEach((e, g) => {
        if (e !== null && e < 0) throw new MetricInputError(`groupedBarFigure: ${field}[${s}][${g}] is ${e}; error bar lengths are >= 0`, { field, row: s });
      }),
    );
  }
  if (input.reference) checkShape(input.reference.values, 'reference.values', series.length, groups.length);
  if (input.yType === 'log' && plottedValues(input).some((v) => v <= 0)) {
    throw new MetricInputError('groupedBarFigure: yType "log" needs every value above zero', { field: 'yType' });
  }
  for (const note of input.annotations ?? []) {
    if (!input.groups.includes(note.group)) {
      throw new MetricInputError(`groupedBarFigure: annotation names unknown group "${note.group}"`, { key: note.group });
    }
    if (note.series !== undefined && !input.series.includes(note.series)) {
      throw new MetricInputError(`groupedBarFigure: annotation names unknown series "${note.series}"`, { key: note.series });
    }
  }
}

function barTrace(input: GroupedBarInput, s: number, geometry: BarGeometry): PlotlyTrace {
  const name = input.series[s]!;
  const values = input.values[s]!;
  const errors = input.errors?.[s];
  const errorsMinus = input.errorsMinus?.[s];
  const present = input.groups.map((_, g) => values[g] !== null);
  const kept = <T>(row: readonly T[]): T[] => row.filter((_, g) => present[g]);
  return {
    type: 'bar',
    name,
    x: kept(input.groups.map((_, g) => geometry.xOf(s, g))),
    y: kept(values),
    width: geometry.barWidth * 0.95,
    marker: { color: seriesColour(s) },
    customdata: kept(input.groups),
    hovertemplate: `%{customdata}<br>${escapeHtml(name)}: %{y:.${geometry.digits}f}<extra></extra>`,
    ...(errors
      ? {
          error_y: {
            type: 'data',
            array: kept(errors),
            ...(errorsMinus ? { symmetric: false, arrayminus: kept(errorsMinus) } : {}),
            visible: true,
            thickness: 1.2,
            width: 3,
            color: '#333',
          },
        }
      : {}),
  };
}

/** A note standing in the slot of each bar that has no value, so a missing run is never read as a zero. */
function missingNotes(input: GroupedBarInput, geometry: BarGeometry): Array<Record<string, unknown>> {
  const text = escapeHtml(input.missingNote ?? 'no value');
  const notes: Array<Record<string, unknown>> = [];
  input.series.forEach((name, s) =>
    input.groups.forEach((group, g) => {
      if (input.values[s]![g] !== null) return;
      notes.push({
        x: geometry.xOf(s, g),
        y: geometry.yRange[0],
        xref: 'x',
        yref: 'y',
        text,
        textangle: -90,
        yanchor: 'bottom',
        showarrow: false,
        font: { size: 10, color: '#777' },
        name: `missing:${name}:${group}`,
      });
    }),
  );
  return notes;
}

function referenceTrace(input: GroupedBarInput, geometry: BarGeometry): PlotlyTrace {
  const reference = input.reference!;
  const xs: number[] = [];
  const ys: number[] = [];
  const labels: string[] = [];
  input.series.forEach((name, s) => {
    input.groups.forEach((group, g) => {
      const v = reference.values[s]![g];
      if (v === null || v === undefined) return;
      xs.push(geometry.xOf(s, g));
      ys.push(v);
      labels.push(`${group} / ${name}`);
    });
  });
  return {
    type: 'scatter',
    mode: 'markers',
    name: reference.name,
    x: xs,
    y: ys,
    customdata: labels,
    marker: { symbol: 'diamond', size: 9, color: PAPER_MARKER_COLOUR, line: { color: '#fff', width: 1 } },
    hovertemplate: `%{customdata}<br>${escapeHtml(reference.name)}: %{y:.${geometry.digits}f}<extra></extra>`,
  };
}

/** Free notes: above a bar's error bar (series given) or at the top of a group. */
function freeNotes(input: GroupedBarInput, geometry: BarGeometry): Array<Record<string, unknown>> {
  return (input.annotations ?? []).map((note) => {
    const g = input.groups.indexOf(note.group);
    let x = g;
    let y = geometry.yRange[1];
    if (note.series !== undefined) {
      const s = input.series.indexOf(note.series);
      x = geometry.xOf(s, g);
      const v = input.values[s]![g];
      const e = input.errors?.[s]?.[g] ?? 0;
      y = v === null || v === undefined ? geometry.yRange[0] : geometry.onAxis(v + (e ?? 0));
    }
    return { x, y, xref: 'x', yref: 'y', text: escapeHtml(note.text), showarrow: false, yanchor: 'bottom' };
  });
}

function checkShape(rows: readonly (readonly Cell[])[], field: string, nSeries: number, nGroups: number): void {
  if (rows.length !== nSeries) {
    throw new MetricInputError(`groupedBarFigure: ${field} has ${rows.length} rows but there are ${nSeries} series`, { field });
  }
  rows.forEach((row, s) => {
    if (row.length !== nGroups) {
      throw new MetricInputError(`groupedBarFigure: ${field}[${s}] has ${row.length} cells but there are ${nGroups} groups`, {
        field,
        row: s,
      });
    }
    row.forEach((v, g) => {
      if (v !== null && !Number.isFinite(v)) {
        throw new MetricInputError(`groupedBarFigure: ${field}[${s}][${g}] is ${v}; use null for a missing cell`, {
          field,
          row: s,
        });
      }
    });
  });
}

/** Largest over smallest value beyond which the default axis is logarithmic. */
const LOG_SPAN = 1000;

function plottedValues(input: GroupedBarInput): number[] {
  const values = input.values.flatMap((row) => row.filter((v): v is number => v !== null));
  input.reference?.values.forEach((row) => row.forEach((v) => v !== null && values.push(v)));
  return values;
}

function defaultYType(input: GroupedBarInput): 'linear' | 'log' {
  const values = plottedValues(input);
  if (values.length === 0 || values.some((v) => v <= 0)) return 'linear';
  return Math.max(...values) / Math.min(...values) > LOG_SPAN ? 'log' : 'linear';
}

/** A log axis's range (log10 units) over every positive value and error-bar end, padded by a tenth of a decade. */
function logRange(input: GroupedBarInput): [number, number] {
  const ends = plottedValues(input);
  input.values.forEach((row, s) =>
    row.forEach((v, g) => {
      if (v === null) return;
      const e = input.errors?.[s]?.[g] ?? 0;
      const below = input.errorsMinus ? (input.errorsMinus[s]?.[g] ?? 0) : e;
      ends.push(v - (below ?? 0), v + (e ?? 0));
    }),
  );
  const positive = ends.filter((v) => v > 0);
  return [Math.log10(Math.min(...positive)) - 0.1, Math.log10(Math.max(...positive)) + 0.1];
}

/**
 * Ticks of a log axis, every one written out in full (plotly's default labels the 2s and 5s between decades with a
 * bare "2" and "5", which read as values): 1-2-5 per decade over up to four decades, powers of ten beyond.
 */
export function logTicks(range: [number, number]): { tickmode: 'array'; tickvals: number[]; ticktext: string[] } {
  const [lo, hi] = range;
  const steps = hi - lo <= 4 ? [1, 2, 5] : [1];
  const tickvals: number[] = [];
  for (let decade = Math.floor(lo); decade <= Math.ceil(hi); decade++) {
    for (const step of steps) {
      const v = Number((step * 10 ** decade).toPrecision(1));
      if (Math.log10(v) >= lo && Math.log10(v) <= hi) tickvals.push(v);
    }
  }
  return { tickmode: 'array', tickvals, ticktext: tickvals.map((v) => (v >= 1000 ? v.toLocaleString('en-US') : String(v))) };
}

/**
 * Range covering every value, error bar and reference marker, padded by 10%. A bar's length is read as its value,
 * so counts (whole non-negative numbers: images, patients) start at zero, and non-negative data never shows a
 * negative stretch of axis. Scores keep the zoomed range the paper's figures use.
 */
export function autoRange(input: GroupedBarInput): [number, number] {
  const all: number[] = [];
  const values: number[] = [];
  input.values.forEach((row, s) =>
    row.forEach((v, g) => {
      if (v === null) return;
      values.push(v);
      const e = input.errors?.[s]?.[g] ?? 0;
      const below = input.errorsMinus ? (input.errorsMinus[s]?.[g] ?? 0) : e;
      all.push(v - (below ?? 0), v + (e ?? 0));
    }),
  );
  input.reference?.values.forEach((row) => row.forEach((v) => v !== null && all.push(v)));
  if (all.length === 0) return [0, 1];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = Math.max((hi - lo) * 0.1, 1e-3);
  const counts = values.every((v) => Number.isInteger(v) && v >= 0);
  if (counts || (lo >= 0 && lo - pad < 0)) return [0, hi + pad];
  return [lo - pad, hi + pad];
}
