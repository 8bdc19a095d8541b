/**
 * What the rendered-page check reports: one finding per defect a reader would meet, saying where it is (notebook,
 * cell, figure, label) and where its fix belongs:
 * - `notebook text`: a markdown cell or a code cell's source: edit the notebook;
 * - `cell output`: what the code printed or displayed: the lib helper, or the notebook code that called it;
 * - `figure`: the plot layout: lib/plots, or the spec the notebook built;
 * - `page`: the rendered page itself: console errors, resources it could not load.
 */
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

/** One line per finding: notebook, cell, figure, label, what is wrong, and where the fix belongs. */
export function formatFinding(notebook: string, f: Finding): string {
  const where = [notebook, f.cell === undefined ? undefined : f.cell === 'injected' ? 'injected parameters cell' : `cell ${f.cell}`]
    .filter(Boolean)
    .join(', ');
  return `${where}: [${f.check}, ${f.origin}] ${f.message}`;
}

/** The first line that says something (banners open with rules of `=` or `-`). */
export function firstLine(text: string): string {
  const lines = text.trim().split('\n');
  const line = (lines.find((l) => /[A-Za-z0-9]/.test(l)) ?? lines[0] ?? '').trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

