/**
 * Data-efficiency curves: a test metric against the share of the training set used, one line per arm (TL, RI,
 * linear probe, ...), each point with its interval, one panel per metric. The x axis is logarithmic because
 * the question lives at the small fractions (1 %, 5 %, 10 %), which a linear axis would crowd into one corner.
 */
import { ConfigError } from '../errors';
import { axis, axisKey, axisRef, baseLayout, CHANCE_LINE_COLOUR, panelDomains, seriesColour } from './style';
import type { PlotlySpec, PlotlyTrace } from './types';

export interface EfficiencyPoint {
  /** Share of the training split, in (0, 1]. */
  fraction: number;
  value: number;
  /** Interval around `value` (e.g. 95 % test-set bootstrap, pooled over seeds). */
  lower: number;
  upper: number;
  /** Runs behind the point (seeds), shown on hover. */
  n: number;
  /** Training images behind the point, shown on hover. */
  images?: number;
}

export interface EfficiencySeries {
  name: string;
  points: EfficiencyPoint[];
}

export interface EfficiencyPanel {
  /** Axis title, e.g. 'test AUROC'. */
  metric: string;
  series: EfficiencySeries[];
  /** A dotted reference line (0.5 for AUROC, the prevalence for AUPRC). */
  chance?: { value: number; label: string };
}

export interface EfficiencyFigureOptions {
  title: string;
  /** Lower end of the y axes (default: just below the lowest interval, so the differences are visible). */
  yMin?: number;
}

function checkPanel(panel: EfficiencyPanel, p: number): void {
  panel.series.forEach((s, k) => {
    s.points.forEach((pt, i) => {
      const where = `panels[${p}].series[${k}] (${s.name}).points[${i}]`;
      if (!(pt.fraction > 0 && pt.fraction <= 1)) throw new ConfigError(`dataEfficiencyFigure: ${where}.fraction must be in (0, 1], got ${pt.fraction}`, { field: 'fraction' });
      if (![pt.value, pt.lower, pt.upper].every(Number.isFinite) || pt.lower > pt.value || pt.upper < pt.value) {
        throw new ConfigError(`dataEfficiencyFigure: ${where} needs lower <= value <= upper, got ${pt.lower} <= ${pt.value} <= ${pt.upper}`, { field: 'value' });
      }
    });
  });
}

function seriesTrace(series: EfficiencySeries, colourIndex: number, panel: number, showLegend: boolean): PlotlyTrace {
  const points = [...series.points].sort((a, b) => a.fraction - b.fraction);
  return {
    type: 'scatter',
    mode: 'lines+markers',
    name: series.name,
    legendgroup: series.name,
    showlegend: showLegend,
    x: points.map((p) => p.fraction * 100),
    y: points.map((p) => p.value),
    error_y: {
      type: 'data',
      symmetric: false,
      array: points.map((p) => p.upper - p.value),
      arrayminus: points.map((p) => p.value - p.lower),
      thickness: 1.2,
      width: 4,
    },
    customdata: points.map((p) => [p.lower, p.upper, p.n, p.images ?? null]),
    hovertemplate: `${series.name}: %{y:.3f} [%{customdata[0]:.3f}, %{customdata[1]:.3f}] at %{x}% (n = %{customdata[2]} runs)<extra></extra>`,
    line: { color: seriesColour(colourIndex), width: 2 },
    marker: { color: seriesColour(colourIndex), size: 7 },
    xaxis: axisRef('x', panel),
    yaxis: axisRef('y', panel),
  };
}

/** One panel per metric, the series in the same colours in every panel, the legend once. */
export function dataEfficiencyFigure(panels: EfficiencyPanel[], options: EfficiencyFigureOptions): PlotlySpec {
  if (panels.length === 0) throw new ConfigError('dataEfficiencyFigure: no panels', { field: 'panels' });
  panels.forEach(checkPanel);
  const names = [...new Set(panels.flatMap((p) => p.series.map((s) => s.name)))];
  const fractions = [...new Set(panels.flatMap((p) => p.series.flatMap((s) => s.points.map((pt) => pt.fraction))))].sort((a, b) => a - b);
  const domains = panelDomains(panels.length, 0.1);
  const data: PlotlyTrace[] = [];
  const layout = baseLayout({ title: { text: options.title }, legend: { orientation: 'h', y: -0.22, x: 0.5, xanchor: 'center' }, margin: { l: 64, r: 24, t: 56, b: 110 } });
  panels.forEach((panel, p) => {
    // An arm without points keeps its colour (and its place in the legend order) so every figure colours arms alike.
    panel.series.filter((s) => s.points.length > 0).forEach((s) => data.push(seriesTrace(s, names.indexOf(s.name), p, p === 0)));
    const lows = panel.series.flatMap((s) => s.points.map((pt) => pt.lower));
    if (lows.length === 0) throw new ConfigError(`dataEfficiencyFigure: panel '${panel.metric}' has no points`, { field: 'series' });
    const floor = options.yMin ?? Math.max(0, Math.floor((Math.min(...lows, panel.chance?.value ?? 1) - 0.02) * 20) / 20);
    if (panel.chance) {
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: panel.chance.label,
        showlegend: false,
        x: [fractions[0]! * 100, fractions[fractions.length - 1]! * 100],
        y: [panel.chance.value, panel.chance.value],
        line: { color: CHANCE_LINE_COLOUR, dash: 'dot', width: 1 },
        hovertemplate: `${panel.chance.label}<extra></extra>`,
        xaxis: axisRef('x', p),
        yaxis: axisRef('y', p),
      });
    }
    layout[axisKey('x', p)] = axis('training images used (% of the training split, log scale)', {
      type: 'log',
      domain: domains[p],
      tickvals: fractions.map((f) => f * 100),
      ticktext: fractions.map((f) => `${+(f * 100).toFixed(2)}%`),
      anchor: axisRef('y', p),
    });
    layout[axisKey('y', p)] = axis(panel.metric, { range: [floor, 1.005], anchor: axisRef('x', p) });
  });
  return { data, layout, config: { responsive: true, displaylogo: false } };
}
