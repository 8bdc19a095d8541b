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

/**
 * Margins are minimums: every axis has `automargin`, and the legend sits below the figure (`bottomLegend`) and
 * pushes the bottom margin, so labels and legend get the room they need at any width the page gives the figure.
 */
export function baseLayout(overrides: PlotlyLayout = {}): PlotlyLayout {
  return {
    font: { family: 'DejaVu Sans, Arial, sans-serif', size: 13, color: '#222' },
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
    margin: { l: 64, r: 24, t: 56, b: 24 },
    legend: bottomLegend(),
    ...overrides,
  };
}

/**
 * A horizontal legend anchored to the bottom of the figure itself (container coordinates): plotly then grows the
 * bottom margin to fit it, so it never lands on tick labels however far they were rotated, and never on the data.
 */
export function bottomLegend(): Record<string, unknown> {
  return { orientation: 'h', x: 0, xanchor: 'left', yref: 'container', y: 0, yanchor: 'bottom', bgcolor: 'rgba(255,255,255,0.85)' };
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
    // Grow the margins to fit the tick labels instead of cutting them, and never drop one that would overflow
    // (plotly's default for a numeric axis hides it); turn them only as far as needed to keep them apart.
    automargin: true,
    ticklabeloverflow: 'allow',
    autotickangles: [0, 30, 45, 60, 90],
    ...overrides,
  };
}

/** Characters a title line may hold before it is broken (about 700 px at the title font). */
const TITLE_LINE = 70;
/** Height of one title line at the title font, for the top margin. */
export const TITLE_LINE_PX = 22;

/**
 * A figure title broken into lines at its natural seams (` (`, `: `, ` — `, `; `) so a long one is not cut at the
 * figure's edges; plotly never wraps titles. Returns the layout entry and the lines it takes.
 */
export function figureTitle(text: string | undefined): { title: Record<string, unknown> | undefined; lines: number } {
  if (text === undefined) return { title: undefined, lines: 0 };
  const lines = breakAtSeams(text, TITLE_LINE);
  return { title: { text: lines.join('<br>') }, lines: lines.length };
}

/**
 * Splits `text` into lines of at most `width` characters where its seams allow: the first seam kind (in order of
 * preference) that has a cut within the width wins, at its rightmost such cut; a text without one stays whole.
 */
export function breakAtSeams(text: string, width: number, seams: readonly string[] = [' (', ': ', ' — ', '; ']): string[] {
  if (text.length <= width) return [text];
  for (const seam of seams) {
    let cut = -1;
    for (let at = text.indexOf(seam); at > 0; at = text.indexOf(seam, at + 1)) {
      // Break before an opening parenthesis, after other punctuation.
      const end = seam === ' (' ? at : at + seam.trimEnd().length;
      if (end <= width) cut = end;
    }
    if (cut > 0) return [text.slice(0, cut).trimEnd(), ...breakAtSeams(text.slice(cut).trimStart(), width, seams)];
  }
  return [text];
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
