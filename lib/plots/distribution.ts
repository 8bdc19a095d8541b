/**
 * Distributions of a metric over repeated draws (Monte-Carlo studies, seeds): one panel per metric, one
 * histogram or box per series, all panels on the same value range so spreads are comparable at a glance.
 */
import { MetricInputError } from '../errors';
import { toArray } from './roc-pr';
import { axis, axisKey, axisRef, baseLayout, panelDomains, seriesColour } from './style';
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
  /** Value range shared by all panels; default [0, 1]. */
  range?: [number, number];
  /** Histogram bins over `range`; default 50. */
  bins?: number;
  title?: string;
}

export function metricDistributionFigure(
  panels: readonly MetricDistributionPanel[],
  options: MetricDistributionOptions = {},
): PlotlySpec {
  if (panels.length === 0) throw new MetricInputError('metricDistributionFigure: no panels given', { field: 'panels' });
  const kind = options.kind ?? 'histogram';
  const [lo, hi] = options.range ?? [0, 1];
  if (!(hi > lo)) throw new MetricInputError(`metricDistributionFigure: empty range [${lo}, ${hi}]`, { field: 'range' });
  const bins = options.bins ?? 50;
  const binSize = (hi - lo) / bins;
  const domains = panelDomains(panels.length, 0.07);
  const seriesNames: string[] = [];
  const data: PlotlyTrace[] = [];
  const shapes: Array<Record<string, unknown>> = [];
  const layoutAxes: Record<string, unknown> = {};

  panels.forEach((panel, p) => {
    if (panel.series.length === 0) {
      throw new MetricInputError(`metricDistributionFigure: panel "${panel.metric}" has no series`, { field: 'series' });
    }
    const xa = axisRef('x', p);
    const ya = axisRef('y', p);
    for (const series of panel.series) {
      let colourIndex = seriesNames.indexOf(series.name);
      if (colourIndex < 0) colourIndex = seriesNames.push(series.name) - 1;
      const colour = seriesColour(colourIndex);
      const values = toArray(series.values, `${panel.metric}.${series.name}`);
      if (values.length === 0) {
        throw new MetricInputError(`metricDistributionFigure: ${panel.metric}/${series.name} has no values`, {
          field: series.name,
        });
      }
      const common = {
        name: series.name,
        legendgroup: series.name,
        showlegend: p === 0,
        marker: { color: colour },
        xaxis: xa,
        yaxis: ya,
      };
      if (kind === 'histogram') {
        data.push({
          type: 'histogram',
          x: values,
          histnorm: 'probability',
          xbins: { start: lo, end: hi, size: binSize },
          autobinx: false,
          opacity: 0.6,
          ...common,
        });
      } else {
        data.push({ type: 'box', y: values, boxmean: 'sd', ...common });
      }
      if (series.expected !== undefined) {
        const vertical = kind === 'histogram';
        shapes.push({
          type: 'line',
          xref: vertical ? xa : `${xa} domain`,
          yref: vertical ? `${ya} domain` : ya,
          x0: vertical ? series.expected : 0,
          x1: vertical ? series.expected : 1,
          y0: vertical ? 0 : series.expected,
          y1: vertical ? 1 : series.expected,
          line: { color: colour, dash: 'dash', width: 1.5 },
        });
      }
    }
    const valueAxis = axis(panel.metric, { range: [lo, hi] });
    if (kind === 'histogram') {
      layoutAxes[axisKey('x', p)] = { ...valueAxis, domain: domains[p], anchor: ya };
      layoutAxes[axisKey('y', p)] = axis(p === 0 ? 'Share of draws' : '', { anchor: xa, rangemode: 'tozero' });
    } else {
      layoutAxes[axisKey('x', p)] = axis('', { domain: domains[p], anchor: ya });
      layoutAxes[axisKey('y', p)] = { ...valueAxis, anchor: xa };
    }
  });

  const layout = baseLayout({
    title: options.title === undefined ? undefined : { text: options.title },
    barmode: 'overlay',
    boxmode: 'group',
    legend: { orientation: 'h', x: 0, y: -0.24, yanchor: 'top' },
    margin: { l: 64, r: 24, t: options.title === undefined ? 32 : 64, b: 110 },
    shapes,
    ...layoutAxes,
  });
  return { data, layout, config: { responsive: true, displaylogo: false } };
}
