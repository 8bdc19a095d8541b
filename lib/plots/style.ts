/**
 * Shared look of every figure: white background, light grid, one font, a fixed colour per role, so the
 * figures of different notebooks read as one paper.
 */
import type { PlotlyLayout } from './types';

/** Colour-blind-safe (Okabe-Ito) colours, in the order series are assigned. */
export const SERIES_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'];

export const PAPER_MARKER_COLOUR = '#000000';
export const CHANCE_LINE_COLOUR = '#9a9a9a';

export function seriesColour(index: number): string {
  return SERIES_COLOURS[index % SERIES_COLOURS.length]!;
}

export function baseLayout(overrides: PlotlyLayout = {}): PlotlyLayout {
  return {
    font: { family: 'DejaVu Sans, Arial, sans-serif', size: 13, color: '#222' },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    margin: { l: 64, r: 24, t: 56, b: 56 },
    legend: { bgcolor: 'rgba(255,255,255,0.85)', bordercolor: '#ddd', borderwidth: 1 },
    ...overrides,
  };
}

export function axis(title: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title },
    showgrid: true,
    gridcolor: '#e6e6e6',
    zeroline: false,
    linecolor: '#444',
    mirror: true,
    ticks: 'outside',
    ...overrides,
  };
}

/** `xaxis`, `xaxis2`, ... as plotly names them. */
export function axisKey(kind: 'x' | 'y', index: number): string {
  return index === 0 ? `${kind}axis` : `${kind}axis${index + 1}`;
}

/** `x`, `x2`, ... as traces reference them. */
export function axisRef(kind: 'x' | 'y', index: number): string {
  return index === 0 ? kind : `${kind}${index + 1}`;
}

/** Horizontal domains for `n` side-by-side panels with a relative gap. */
export function panelDomains(n: number, gap = 0.08): Array<[number, number]> {
  const width = (1 - gap * (n - 1)) / n;
  return Array.from({ length: n }, (_, i) => {
    const start = i * (width + gap);
    return [round(start), round(Math.min(1, start + width))] as [number, number];
  });
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
