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
import { axis, baseLayout, PAPER_MARKER_COLOUR, seriesColour } from './style';
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
  yRange?: [number, number];
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

  const digits = input.digits ?? 3;
  const groupWidth = input.groupWidth ?? 0.8;
  const barWidth = groupWidth / series.length;
  const xOf = (s: number, g: number): number => g - groupWidth / 2 + (s + 0.5) * barWidth;
  const yRange = input.yRange ?? autoRange(input);
  const missingNote = input.missingNote ?? 'no value';
  const data: PlotlyTrace[] = [];
  const annotations: Array<Record<string, unknown>> = [];

  series.forEach((name, s) => {
    const values = input.values[s]!;
    const errors = input.errors?.[s];
    const errorsMinus = input.errorsMinus?.[s];
    const present = groups.map((_, g) => values[g] !== null);
    data.push({
      type: 'bar',
      name,
      x: groups.map((_, g) => xOf(s, g)).filter((_, g) => present[g]),
      y: values.filter((_, g) => present[g]),
      width: barWidth * 0.95,
      marker: { color: seriesColour(s) },
      customdata: groups.filter((_, g) => present[g]),
      hovertemplate: `%{customdata}<br>${escapeHtml(name)}: %{y:.${digits}f}<extra></extra>`,
      ...(errors
        ? {
            error_y: {
              type: 'data',
              array: errors.filter((_, g) => present[g]),
              ...(errorsMinus ? { symmetric: false, arrayminus: errorsMinus.filter((_, g) => present[g]) } : {}),
              visible: true,
              thickness: 1.2,
              width: 3,
              color: '#333',
            },
          }
        : {}),
    });
    groups.forEach((group, g) => {
      if (present[g]) return;
      annotations.push({
        x: xOf(s, g),
        y: yRange[0],
        xref: 'x',
        yref: 'y',
        text: `${escapeHtml(missingNote)}`,
        textangle: -90,
        yanchor: 'bottom',
        showarrow: false,
        font: { size: 10, color: '#777' },
        name: `missing:${name}:${group}`,
      });
    });
  });

  if (input.reference) {
    const xs: number[] = [];
    const ys: number[] = [];
    const labels: string[] = [];
    series.forEach((name, s) => {
      groups.forEach((group, g) => {
        const v = input.reference!.values[s]![g];
        if (v === null || v === undefined) return;
        xs.push(xOf(s, g));
        ys.push(v);
        labels.push(`${group} / ${name}`);
      });
    });
    data.push({
      type: 'scatter',
      mode: 'markers',
      name: input.reference.name,
      x: xs,
      y: ys,
      customdata: labels,
      marker: { symbol: 'diamond', size: 9, color: PAPER_MARKER_COLOUR, line: { color: '#fff', width: 1 } },
      hovertemplate: `%{customdata}<br>${escapeHtml(input.reference.name)}: %{y:.${digits}f}<extra></extra>`,
    });
  }

  for (const note of input.annotations ?? []) {
    const g = groups.indexOf(note.group);
    if (g < 0) throw new MetricInputError(`groupedBarFigure: annotation names unknown group "${note.group}"`, { key: note.group });
    let x = g;
    let y = yRange[1];
    if (note.series !== undefined) {
      const s = series.indexOf(note.series);
      if (s < 0) throw new MetricInputError(`groupedBarFigure: annotation names unknown series "${note.series}"`, { key: note.series });
      x = xOf(s, g);
      const v = input.values[s]![g];
      const e = input.errors?.[s]?.[g] ?? 0;
      y = v === null || v === undefined ? yRange[0] : v + (e ?? 0);
    }
    annotations.push({ x, y, xref: 'x', yref: 'y', text: escapeHtml(note.text), showarrow: false, yanchor: 'bottom' });
  }

  const layout = baseLayout({
    title: input.title === undefined ? undefined : { text: input.title },
    barmode: 'overlay',
    bargap: 0,
    xaxis: axis('', {
      tickmode: 'array',
      tickvals: groups.map((_, g) => g),
      ticktext: groups.map((g) => escapeHtml(g)),
      range: [-0.6, groups.length - 0.4],
      showgrid: false,
    }),
    yaxis: axis(input.yTitle, { range: yRange }),
    legend: { orientation: 'h', x: 0, y: -0.15 },
    annotations,
  });
  return { data, layout, config: { responsive: true, displaylogo: false } };
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

/** Range covering every value, error bar and reference marker, padded by 10%. */
function autoRange(input: GroupedBarInput): [number, number] {
  const all: number[] = [];
  input.values.forEach((row, s) =>
    row.forEach((v, g) => {
      if (v === null) return;
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
  return [lo - pad, hi + pad];
}
