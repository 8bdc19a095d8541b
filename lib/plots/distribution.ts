/**
 * Distributions of a metric over repeated draws (Monte-Carlo studies, seeds): one panel per metric, one
 * histogram or box per series. Each panel's value axis zooms to its own draws (and reference lines), because
 * metrics live on very different scales: under class imbalance every AUROC draw can sit in [0.98, 1] while
 * AUPRC spreads over [0.2, 1], and on a shared [0, 1] axis the AUROC distribution is an unreadable sliver.
 * `sharedRange` puts every panel on the full range instead.
 */
import { MetricInputError } from '../errors';
import { toArray } from './roc-pr';
import { axis, axisKey, axisRef, baseLayout, figureTitle, panelDomains, seriesColour, TITLE_LINE_PX } from './style';
import type { PlotlySpec, PlotlyTrace } from './types';

export interface DistributionSeries {
  name: string;
  values: ArrayLike<number>;
  /** A reference value (e.g. the exact expectation) drawn as a dashed line in the series colour. */
  expected?: number;
}

export interface MetricDistributionPanel {
  /** Axis title, e.g. "AUROC". */
  metric: string;
  series: readonly DistributionSeries[];
}

export interface MetricDistributionOptions {
  kind?: 'histogram' | 'box';
  /** Values the metric can take (default [0, 1]): a zoomed axis never reaches beyond them. */
  range?: [number, number];
  /** Every panel on the whole `range` (comparable spreads, but narrow distributions become slivers); default false. */
  sharedRange?: boolean;
  /** Histogram bins over each panel's axis range; default 50. */
  bins?: number;
  title?: string;
}

/** Padding around the draws on a zoomed axis, as a share of their spread (or of `range` if they do not spread). */
const ZOOM_PAD = 0.08;

export function metricDistributionFigure(
  panels: readonly MetricDistributionPanel[],
  options: MetricDistributionOptions = {},
): PlotlySpec {
  if (panels.length === 0) throw new MetricInputError('metricDistributionFigure: no panels given', { field: 'panels' });
  const kind = options.kind ?? 'histogram';
  const limits = options.range ?? [0, 1];
  if (!(limits[1] > limits[0])) throw new MetricInputError(`metricDistributionFigure: empty range [${limits[0]}, ${limits[1]}]`, { field: 'range' });
  const domains = panelDomains(panels.length, 0.07);
  const seriesNames = panels.flatMap((p) => p.series.map((s) => s.name)).filter((n, i, all) => all.indexOf(n) === i);
  const data: PlotlyTrace[] = [];
  const shapes: Array<Record<string, unknown>> = [];
  const layoutAxes: Record<string, unknown> = {};

  panels.forEach((panel, p) => {
    const values = panelValues(panel);
    const range = options.sharedRange ? limits : zoomedRange(panel, values, limits);
    for (const [k, series] of panel.series.entries()) {
      const colour = seriesColour(seriesNames.indexOf(series.name));
      data.push(distributionTrace(kind, series.name, values[k]!, { panel: p, colour, range, bins: options.bins ?? 50 }));
      if (series.expected !== undefined) shapes.push(referenceLine(kind, series.expected, p, colour));
    }
    Object.assign(layoutAxes, panelAxes(kind, panel.metric, p, range, domains[p]!));
  });

  const title = figureTitle(options.title);
  const layout = baseLayout({
    title: title.title,
    barmode: 'overlay',
    boxmode: 'group',
    margin: { l: 64, r: 24, t: 32 + TITLE_LINE_PX * title.lines, b: 24 },
    shapes,
    ...layoutAxes,
  });
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

function panelValues(panel: MetricDistributionPanel): number[][] {
  if (panel.series.length === 0) {
    throw new MetricInputError(`metricDistributionFigure: panel "${panel.metric}" has no series`, { field: 'series' });
  }
  return panel.series.map((series) => {
    const values = toArray(series.values, `${panel.metric}.${series.name}`);
    if (values.length === 0) {
      throw new MetricInputError(`metricDistributionFigure: ${panel.metric}/${series.name} has no values`, { field: series.name });
    }
    return values;
  });
}

/** The panel's draws and reference lines, padded, inside the metric's limits. */
export function zoomedRange(panel: MetricDistributionPanel, values: readonly number[][], limits: [number, number]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  const include = (v: number): void => {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  };
  for (const row of values) for (const v of row) include(v);
  for (const series of panel.series) if (series.expected !== undefined) include(series.expected);
  const pad = hi > lo ? (hi - lo) * ZOOM_PAD : (limits[1] - limits[0]) * 0.01;
  return [Math.max(limits[0], lo - pad), Math.min(limits[1], hi + pad)];
}

function distributionTrace(
  kind: 'histogram' | 'box',
  name: string,
  values: number[],
  at: { panel: number; colour: string; range: [number, number]; bins: number },
): PlotlyTrace {
  const common = {
    name,
    legendgroup: name,
    showlegend: at.panel === 0,
    marker: { color: at.colour },
    xaxis: axisRef('x', at.panel),
    yaxis: axisRef('y', at.panel),
  };
  if (kind === 'box') return { type: 'box', y: values, boxmean: 'sd', ...common };
  const [lo, hi] = at.range;
  return {
    type: 'histogram',
    x: values,
    histnorm: 'probability',
    xbins: { start: lo, end: hi, size: (hi - lo) / at.bins },
    autobinx: false,
    opacity: 0.6,
    ...common,
  };
}

function referenceLine(kind: 'histogram' | 'box', value: number, panel: number, colour: string): Record<string, unknown> {
  const xa = axisRef('x', panel);
  const ya = axisRef('y', panel);
  const vertical = kind === 'histogram';
  return {
    type: 'line',
    xref: vertical ? xa : `${xa} domain`,
    yref: vertical ? `${ya} domain` : ya,
    x0: vertical ? value : 0,
    x1: vertical ? value : 1,
    y0: vertical ? 0 : value,
    y1: vertical ? 1 : value,
    line: { color: colour, dash: 'dash', width: 1.5 },
  };
}

function panelAxes(kind: 'histogram' | 'box', metric: string, p: number, range: [number, number], domain: [number, number]): Record<string, unknown> {
  const valueAxis = axis(metric, { range });
  const xa = axisRef('x', p);
  const ya = axisRef('y', p);
  if (kind === 'histogram') {
    return {
      [axisKey('x', p)]: { ...valueAxis, domain, anchor: ya },
      [axisKey('y', p)]: axis(p === 0 ? 'Share of draws' : '', { anchor: xa, rangemode: 'tozero' }),
    };
  }
  return {
    [axisKey('x', p)]: axis('', { domain, anchor: ya }),
    [axisKey('y', p)]: { ...valueAxis, anchor: xa },
  };
}
