/**
 * ROC and precision-recall curves side by side, as in the paper's Fig. 2 (ROC left, PRC middle, confusion
 * table right). Input is the output of `rocCurve` / `prCurve` (any numeric arrays).
 */
import { MetricInputError } from '../errors';
import { CONFUSION_DEFINITIONS } from './confusion';
import { axis, axisKey, baseLayout, CHANCE_LINE_COLOUR, figureTitle, panelDomains, seriesColour, TITLE_LINE_PX } from './style';
import type { PlotlySpec, PlotlyTrace } from './types';

export interface RocPrCurve {
  /** Legend name, e.g. "CA". */
  name: string;
  roc: { fpr: ArrayLike<number>; tpr: ArrayLike<number> };
  pr: { precision: ArrayLike<number>; recall: ArrayLike<number> };
  /** Shown in the legend when given. */
  auroc?: number;
  /** Trapezoidal area under the PR curve, shown in the legend when given. */
  auprc?: number;
  /** Average precision, shown in the legend when given. */
  averagePrecision?: number;
}

export interface RocPrFigureOptions {
  title?: string;
  /** Positive rate; draws the PR curve of a random classifier (precision = prevalence). */
  prevalence?: number;
  /** Adds a third panel with the TPR/FPR/precision definitions, as in the paper. */
  definitionsPanel?: boolean;
  /** Decimal places of the numbers in the legend. */
  digits?: number;
}

export function rocPrFigure(curves: readonly RocPrCurve[], options: RocPrFigureOptions = {}): PlotlySpec {
  if (curves.length === 0) throw new MetricInputError('rocPrFigure: no curves given', { field: 'curves' });
  const digits = options.digits ?? 3;
  const panels = options.definitionsPanel ? 3 : 2;
  const domains = panelDomains(panels, 0.09);
  const data: PlotlyTrace[] = [];

  data.push(line([0, 1], [0, 1], 'chance', 0, { dash: 'dot', color: CHANCE_LINE_COLOUR, width: 1 }, false));
  if (options.prevalence !== undefined) {
    data.push(
      line([0, 1], [options.prevalence, options.prevalence], `chance (precision ${fmt(options.prevalence, digits)})`, 1, {
        dash: 'dot',
        color: CHANCE_LINE_COLOUR,
        width: 1,
      }, false),
    );
  }

  curves.forEach((curve, i) => {
    const fpr = toArray(curve.roc.fpr, `${curve.name}.roc.fpr`);
    const tpr = toArray(curve.roc.tpr, `${curve.name}.roc.tpr`);
    const recall = toArray(curve.pr.recall, `${curve.name}.pr.recall`);
    const precision = toArray(curve.pr.precision, `${curve.name}.pr.precision`);
    sameLength(fpr, tpr, `${curve.name}.roc`);
    sameLength(recall, precision, `${curve.name}.pr`);
    const colour = seriesColour(i);
    const rocName = curve.auroc === undefined ? curve.name : `${curve.name} (AUROC ${fmt(curve.auroc, digits)})`;
    const prParts: string[] = [];
    if (curve.auprc !== undefined) prParts.push(`AUPRC ${fmt(curve.auprc, digits)}`);
    if (curve.averagePrecision !== undefined) prParts.push(`AP ${fmt(curve.averagePrecision, digits)}`);
    const prName = prParts.length === 0 ? curve.name : `${curve.name} (${prParts.join(', ')})`;
    data.push({
      ...line(fpr, tpr, rocName, 0, { color: colour, width: 2 }, true),
      hovertemplate: 'FPR %{x:.4f}<br>TPR %{y:.3f}<extra>' + escapeHtml(curve.name) + '</extra>',
    });
    data.push({
      ...line(recall, precision, prName, 1, { color: colour, width: 2 }, true),
      mode: 'lines+markers',
      marker: { size: 4, color: colour },
      hovertemplate: 'recall %{x:.3f}<br>precision %{y:.3f}<extra>' + escapeHtml(curve.name) + '</extra>',
    });
  });

  if (options.definitionsPanel) {
    data.push({
      type: 'table',
      domain: { x: domains[2], y: [0.1, 0.9] },
      columnwidth: [1.3, 2],
      header: {
        values: ['<b>Metric</b>', '<b>Definition</b>'],
        fill: { color: '#f0f0f0' },
        align: 'left',
      },
      cells: {
        values: [CONFUSION_DEFINITIONS.map((d) => d.name), CONFUSION_DEFINITIONS.map((d) => d.formula)],
        align: 'left',
        height: 28,
      },
    });
  }

  const range = [-0.02, 1.02];
  const title = figureTitle(options.title);
  const layout = baseLayout({
    title: title.title,
    // Room for the panel titles (annotations, which do not push margins) under the figure title.
    margin: { l: 64, r: 24, t: 40 + TITLE_LINE_PX * title.lines, b: 24 },
    [axisKey('x', 0)]: axis('False positive rate (FPR)', { domain: domains[0], range, anchor: 'y' }),
    [axisKey('y', 0)]: axis('True positive rate (TPR)', { range, anchor: 'x' }),
    [axisKey('x', 1)]: axis('Recall (TPR)', { domain: domains[1], range, anchor: 'y2' }),
    [axisKey('y', 1)]: axis('Precision', { range, anchor: 'x2' }),
    annotations: [
      panelTitle('ROC', domains[0]!),
      panelTitle('Precision-recall', domains[1]!),
      ...(options.definitionsPanel ? [panelTitle('Confusion-table definitions', domains[2]!)] : []),
    ],
  });
  return { data, layout, config: { responsive: true, displaylogo: false } };
}

function line(
  x: number[],
  y: number[],
  name: string,
  panel: number,
  style: Record<string, unknown>,
  showlegend: boolean,
): PlotlyTrace {
  return {
    type: 'scatter',
    mode: 'lines',
    x,
    y,
    name,
    xaxis: panel === 0 ? 'x' : `x${panel + 1}`,
    yaxis: panel === 0 ? 'y' : `y${panel + 1}`,
    line: style,
    showlegend,
  };
}

function panelTitle(text: string, domain: [number, number]): Record<string, unknown> {
  return {
    text: `<b>${text}</b>`,
    xref: 'paper',
    yref: 'paper',
    x: (domain[0] + domain[1]) / 2,
    y: 1.0,
    yanchor: 'bottom',
    showarrow: false,
    font: { size: 14 },
  };
}

/** Copies any numeric array to a plain array (typed arrays serialise to JSON objects, not arrays). */
export function toArray(values: ArrayLike<number>, field: string): number[] {
  const out = Array.from(values);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new MetricInputError(`${field}[${i}] is ${out[i]}; plotted values must be finite`, { field, row: i });
    }
  }
  return out;
}

function sameLength(a: number[], b: number[], field: string): void {
  if (a.length !== b.length || a.length === 0) {
    throw new MetricInputError(`${field}: x and y must have the same non-zero length (got ${a.length} and ${b.length})`, {
      field,
    });
  }
}

export function fmt(x: number, digits: number): string {
  return x.toFixed(digits);
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
