/**
 * Figure 5: DenseNet121 drawn as its stages (boxes, left to right) with the four truncation cuts marked, every
 * number read from the model description and the computed cut points. A plain plotly spec (shapes and
 * annotations on a blank axis), exported like the other figures.
 */
import type { ModelDescription } from '../models/params';
import { baseLayout } from '../plots/style';
import type { PlotlySpec } from '../plots/types';
import type { CutPoint } from './cut-points';

const STAGE_COLOURS: Readonly<Record<string, string>> = {
  stem: '#9ecae1',
  denseblock: '#4292c6',
  transition: '#fdae6b',
  norm5: '#bdbdbd',
  head: '#74c476',
};

function colourOf(stage: string): string {
  const kind = stage.replace(/\d+$/, '');
  return STAGE_COLOURS[kind] ?? '#dddddd';
}

const fmtShape = (shape: number[]): string =>
  shape.length === 3 ? `${shape[2]}×${shape[0]}×${shape[1]}` : shape.join('×');

const fmtParams = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

export function densenetDiagramFigure(desc: ModelDescription, cuts: readonly CutPoint[], options: { title?: string } = {}): PlotlySpec {
  const stages = desc.stages;
  const boxW = 0.8;
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  stages.forEach((s, i) => {
    shapes.push({ type: 'rect', x0: i - boxW / 2, x1: i + boxW / 2, y0: 0, y1: 1, fillcolor: colourOf(s.name), line: { color: '#333', width: 1 } });
    annotations.push({ x: i, y: 0.5, text: s.name.replace(/(\d+)$/, '<br>$1'), showarrow: false, font: { size: 11 } });
    annotations.push({ x: i, y: -0.12, text: fmtShape(s.outputShape), showarrow: false, font: { size: 10, color: '#333' } });
    annotations.push({ x: i, y: -0.3, text: fmtParams(s.params), showarrow: false, font: { size: 10, color: '#666' } });
  });
  annotations.push({ x: -0.9, y: -0.12, text: 'output C×H×W', showarrow: false, xanchor: 'right', font: { size: 10, color: '#333' } });
  annotations.push({ x: -0.9, y: -0.3, text: 'parameters', showarrow: false, xanchor: 'right', font: { size: 10, color: '#666' } });
  for (const cut of cuts) {
    const i = stages.findIndex((s) => s.name === cut.afterStage);
    if (i < 0) continue;
    const x = i + 0.5;
    shapes.push({ type: 'line', x0: x, x1: x, y0: -0.45, y1: 1.06, line: { color: '#c00', width: 2, dash: 'dash' } });
    annotations.push({
      x,
      y: 1.08,
      text: `<b>${cut.level}</b><br>${fmtParams(cut.backboneParams)} kept (${(100 * cut.fractionOfFull).toFixed(0)}%)`,
      showarrow: false,
      font: { size: 11, color: '#900' },
      yanchor: 'bottom',
    });
  }
  return {
    data: [{ type: 'scatter', x: [], y: [], mode: 'markers', showlegend: false, hoverinfo: 'skip' }],
    layout: baseLayout({
      title: { text: options.title ?? `${desc.name}: stages and truncation cuts (input ${fmtShape(desc.inputShape)})` },
      xaxis: { visible: false, range: [-2.2, stages.length - 0.4] },
      // The cut labels sit right above the boxes; the top of the range leaves room for their two lines, and no more.
      yaxis: { visible: false, range: [-0.5, 1.34] },
      shapes,
      annotations,
      margin: { l: 20, r: 20, t: 48, b: 20 },
      showlegend: false,
    }),
    config: { responsive: true, displaylogo: false },
  };
}
