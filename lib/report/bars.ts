/**
 * Turn report cells into the input of `groupedBarFigure` (lib/plots): one panel per metric, bars = the paper's
 * legend entries, x groups = labels (CheXpert figures) or training fractions (COVID figures), and the paper's
 * own value drawn as a marker on each bar that has one. A bar that could not be run keeps its slot and says why.
 */
import type { GroupedBarInput } from '../plots/grouped-bar';
import { distinct, statusText, validateCells } from './cells';
import { joinWithPaper } from './join';
import { contenderName, formatFraction, labelAbbreviation } from './labels';
import type { CellResult, FigureId, Metric, PaperValue } from './types';

export interface BarPanelOptions {
  figure: FigureId;
  metric: Metric;
  /**
   * x axis: one group per label (Figs. 3, 7: series = bars), per training fraction (series = bars), or per bar
   * (model, truncation; Figs. 4, 6 with one label: series = init × fraction, so a few colours cover the figure).
   */
  groupBy: 'label' | 'fraction' | 'bar';
  /** Keep only this fraction (label-grouped panels of a multi-fraction grid). */
  fraction?: number;
  /** Keep only this label (fraction-grouped panels of a multi-label grid). */
  label?: string;
  /** Paper values to draw as markers where a bar matches one. */
  paper?: PaperValue[];
  /** Include the init in bar names (default: only when the panel has both TL and RI bars). */
  withInit?: boolean;
  title?: string;
  yRange?: [number, number];
  /**
   * What the error bars show: 'sd', ± SD over seeds (bars of two or more runs); 'ci', each bar's 95% test-set
   * bootstrap interval; 'auto' (default), 'sd' when some bar averages two runs, else 'ci' where bars carry one.
   */
  errorBars?: 'sd' | 'ci' | 'auto';
}

/** The error-bar choice a panel of these cells gets (see `BarPanelOptions.errorBars`). */
export function errorBarKind(cells: readonly CellResult[], requested: 'sd' | 'ci' | 'auto' = 'auto'): 'sd' | 'ci' | 'none' {
  const ok = cells.filter((c) => c.status === 'ok');
  const kind = requested !== 'auto' ? requested : ok.some((c) => c.n >= 2) ? 'sd' : 'ci';
  if (kind === 'sd') return ok.some((c) => c.n >= 2) ? 'sd' : 'none';
  return ok.some((c) => c.ci !== undefined) ? 'ci' : 'none';
}

/** The paper's value of each bar that has a counterpart, keyed like the panel's bars. */
function paperMarkers(inPanel: CellResult[], paper: PaperValue[], keyOf: (c: CellResult) => string): Map<string, number> {
  const markers = new Map<string, number>();
  for (const row of joinWithPaper(inPanel, paper, { includePaperOnly: false })) {
    if (row.match !== 'matched' || !row.paper) continue;
    const c = inPanel.find(
      (x) => contenderName(x) === row.contender && x.label === row.label && formatFraction(x.fraction) === formatFraction(row.fraction),
    );
    if (c) markers.set(keyOf(c), row.paper.mean);
  }
  return markers;
}

/** Length of a bar's error bar above its mean ('sd': ± SD of 2+ runs; 'ci': up to the CI's upper end). */
function errorAbove(c: CellResult | undefined, kind: 'sd' | 'ci' | 'none'): number | null {
  if (!c) return null;
  if (kind === 'sd') return c.n >= 2 ? c.spread : null;
  return kind === 'ci' && c.ci ? Math.max(0, c.ci.upper - c.mean) : null;
}

function errorBelow(c: CellResult | undefined, kind: 'sd' | 'ci' | 'none'): number | null {
  return kind === 'ci' && c?.ci ? Math.max(0, c.mean - c.ci.lower) : null;
}

export function barPanel(cells: readonly CellResult[], options: BarPanelOptions): GroupedBarInput {
  validateCells(cells);
  const inPanel = cells.filter(
    (c) =>
      c.figure === options.figure &&
      c.metric === options.metric &&
      (options.fraction === undefined || formatFraction(c.fraction) === formatFraction(options.fraction)) &&
      (options.label === undefined || c.label === options.label),
  );
  const bothInits = distinct(inPanel.map((c) => c.init)).length > 1;
  const withInit = options.withInit ?? bothInits;
  const severalFractions = distinct(inPanel.map((c) => formatFraction(c.fraction))).length > 1;
  const barName = (c: CellResult): string => contenderName(c, withInit);
  const nameOf = (c: CellResult): string => {
    if (options.groupBy !== 'bar') return barName(c);
    const parts = [bothInits || !severalFractions ? c.init : '', severalFractions ? formatFraction(c.fraction) : ''];
    return parts.filter(Boolean).join(' ');
  };
  const groupOf = (c: CellResult): string =>
    options.groupBy === 'label' ? labelAbbreviation(c.label) : options.groupBy === 'fraction' ? formatFraction(c.fraction) : contenderName(c, false);

  const groupKeys = distinct(inPanel.map(groupOf));
  const seriesKeys = distinct(inPanel.map(nameOf));
  const byKey = new Map(inPanel.map((c) => [`${nameOf(c)}|${groupOf(c)}`, c]));
  const paperByKey = options.paper ? paperMarkers(inPanel, options.paper, (c) => `${nameOf(c)}|${groupOf(c)}`) : new Map<string, number>();

  // A series none of whose bars could be run carries the reason in its legend entry (with groupBy 'bar', see
  // `missingBarsMarkdown` for the caption naming the missing bars).
  const seriesLabel = (name: string): string => {
    const mine = inPanel.filter((c) => nameOf(c) === name);
    if (mine.some((c) => c.status === 'ok')) return name;
    const reasons = distinct(
      mine.map((c) => statusText(c.status, c.reason, 'short')),
    );
    return `${name} (${reasons.join('; ')})`;
  };

  const values = seriesKeys.map((s) =>
    groupKeys.map((g) => {
      const c = byKey.get(`${s}|${g}`);
      return c && c.status === 'ok' ? c.mean : null;
    }),
  );
  const kind = errorBarKind(inPanel, options.errorBars);
  const at = (s: string, g: string): CellResult | undefined => {
    const c = byKey.get(`${s}|${g}`);
    return c && c.status === 'ok' ? c : undefined;
  };
  const errors = seriesKeys.map((s) => groupKeys.map((g) => errorAbove(at(s, g), kind)));
  const errorsMinus = seriesKeys.map((s) => groupKeys.map((g) => errorBelow(at(s, g), kind)));
  const input: GroupedBarInput = {
    groups: groupKeys,
    series: seriesKeys.map(seriesLabel),
    values,
    // No error bars at all when no bar has one (a single-seed profile without per-item test scores).
    ...(kind !== 'none' ? { errors } : {}),
    ...(kind === 'ci' ? { errorsMinus } : {}),
    yTitle: options.metric,
    missingNote: 'n/a',
  };
  if (options.title !== undefined) input.title = options.title;
  if (options.yRange !== undefined) input.yRange = options.yRange;
  if (paperByKey.size > 0) {
    input.reference = {
      name: 'paper (2021, digitised)',
      values: seriesKeys.map((s) => groupKeys.map((g) => paperByKey.get(`${s}|${g}`) ?? null)),
    };
  }
  return input;
}

export interface FigurePanelsOptions {
  figure: FigureId;
  groupBy: 'label' | 'fraction' | 'bar';
  paper?: PaperValue[];
  /** e.g. 'Fig. 4 — TL vs RI, COVID'; the metric and the error-bar meaning are appended. */
  title: string;
  /** Puts SYNTHETIC in every title. */
  synthetic?: boolean;
  /** Base name of the exported files; `-auroc` / `-auprc` is appended. */
  name: string;
  /** See `BarPanelOptions.errorBars`; the title says which was drawn. */
  errorBars?: 'sd' | 'ci' | 'auto';
}

/** The paper-style pair of charts (AUROC, AUPRC) of a figure. */
export function figurePanels(
  cells: readonly CellResult[],
  options: FigurePanelsOptions,
): Array<{ metric: Metric; name: string; input: GroupedBarInput }> {
  return (['AUROC', 'AUPRC'] as Metric[]).map((metric) => {
    const inFigure = cells.filter((c) => c.figure === options.figure && c.metric === metric);
    const kind = errorBarKind(inFigure, options.errorBars);
    const meaning = kind === 'sd' ? 'mean ± SD over seeds' : kind === 'ci' ? 'bars: 95% test-set bootstrap CI' : 'no error bars';
    const title =
      `${options.synthetic ? 'SYNTHETIC DATA — ' : ''}${options.title}: ${metric} ` +
      `(${meaning}${options.paper ? '; ◆ paper, digitised' : ''})`;
    // A single-label dataset (COVID, or the synthetic stand-in on a CheXpert figure) has one label group: put the
    // bars on x instead, so each has a legend-free slot with its name under it.
    const labels = distinct(cells.filter((c) => c.figure === options.figure).map((c) => c.label));
    const groupBy = options.groupBy === 'label' && labels.length === 1 ? 'bar' : options.groupBy;
    const panel: BarPanelOptions = { figure: options.figure, metric, groupBy, title, errorBars: kind === 'ci' ? 'ci' : 'sd' };
    if (options.paper) panel.paper = options.paper;
    return { metric, name: `${options.name}-${metric.toLowerCase()}`, input: barPanel(cells, panel) };
  });
}

/**
 * What a figure's bars, error bars and markers show, computed from its cells (the same `errorBarKind` the charts
 * use), so the sentence under a chart always describes that chart: a single-run profile's bars carry 95% test-set
 * bootstrap intervals, not a spread over seeds.
 */
export function figureCaption(cells: readonly CellResult[], options: { figure: FigureId; paperMarkers: boolean }): string {
  const inFigure = cells.filter((c) => c.figure === options.figure);
  const runs = inFigure.filter((c) => c.status === 'ok').map((c) => c.n);
  const [fewest, most] = [Math.min(...runs), Math.max(...runs)];
  const perBar = runs.length === 0 ? 'no bar has a run yet' : fewest === most ? `${most} run${most === 1 ? '' : 's'} per bar` : `${fewest}–${most} runs per bar`;
  const what = most >= 2 ? 'mean over seeds of the test-set metric' : 'the test-set metric';
  const sentences = [`Bars: ${what} at each run's selected epoch (best validation mean AUPRC, as in the paper's 2021 code); ${perBar}.`];
  const kinds = distinct((['AUROC', 'AUPRC'] as Metric[]).map((m) => errorBarKind(inFigure.filter((c) => c.metric === m))));
  const meaning = (kind: 'sd' | 'ci' | 'none'): string =>
    kind === 'sd'
      ? `± one standard deviation over seeds${fewest < 2 ? ' (none on a bar that rests on one run)' : ''}; the paper does not say what its error bars are`
      : kind === 'ci'
        ? "each bar's 95% test-set bootstrap interval (the test images resampled): with one run per bar there is no spread over seeds to show"
        : 'none (no bar has two runs or a stored test-set interval)';
  sentences.push(kinds.length === 1 ? `Error bars: ${meaning(kinds[0]!)}.` : `Error bars: AUROC ${meaning(kinds[0]!)}; AUPRC ${meaning(kinds[1]!)}.`);
  if (options.paperMarkers) sentences.push("◆: the paper's value for the same bar (model, initialisation, training fraction, label), digitised from its figure, where it has one.");
  return sentences.join(' ');
}

/**
 * A caption for a figure's charts naming every bar that has no value, grouped by reason, so what is missing is
 * said next to the figure (the charts mark each empty slot).
 */
export function missingBarsMarkdown(cells: readonly CellResult[]): string {
  const missing = cells.filter((c) => c.status !== 'ok' && c.metric === 'AUROC');
  if (missing.length === 0) return '';
  const withInit = distinct(cells.map((c) => c.init)).length > 1;
  const nameOf = (c: CellResult): string => contenderName(c, withInit);
  const byReason = new Map<string, Map<string, string[]>>();
  for (const c of missing) {
    const reason = statusText(c.status, c.reason);
    const bars = byReason.get(reason) ?? new Map<string, string[]>();
    const fractions = bars.get(nameOf(c)) ?? [];
    if (c.fraction !== undefined) fractions.push(formatFraction(c.fraction));
    bars.set(nameOf(c), fractions);
    byReason.set(reason, bars);
  }
  const lines = ['**Empty slots in the charts:**'];
  for (const [reason, bars] of byReason) {
    const names = [...bars].map(([name, fractions]) => (fractions.length ? `${name} (${distinct(fractions).join(', ')})` : name));
    lines.push(`- ${names.join(', ')} — ${reason}`);
  }
  return lines.join('\n');
}
