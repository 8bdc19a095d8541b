/**
 * Our bars beside the paper's. A bar matches when figure, model, init, truncation, metric, label and training
 * fraction all agree; everything else is kept and marked, so a table shows what has no counterpart instead of
 * silently dropping it (a public COVID set run at 25/50/100% has only its 100% bars comparable to the paper's).
 */
import { statusText } from './cells';
import { contenderName, formatFraction, labelAbbreviation, sameLabel } from './labels';
import type { CellResult, CellStatus, FigureId, PaperValue } from './types';

export type JoinMatch = 'matched' | 'ours-only' | 'paper-only';

/** A bar's identity is the same as a cell's; the rest says how ours and the paper's compare. */
export interface JoinedRow extends Pick<CellResult, 'figure' | 'model' | 'init' | 'truncation' | 'fraction' | 'label' | 'metric'> {
  /** The figures' abbreviation (EC, Co., ...) or the label itself. */
  labelShort: string;
  /** Legend name, e.g. `DenseNet121-TL`, `Dens-T2-TL`. */
  contender: string;
  ours?: { mean: number; spread: number; n: number; status: CellStatus; reason?: string };
  paper?: { mean: number; halfwidth?: number };
  /** ours.mean - paper.mean, only when both exist and our cell is 'ok'. */
  difference?: number;
  match: JoinMatch;
  /** Why a row is unmatched, in words for the table. */
  note?: string;
}

export interface JoinOptions {
  /** Fractions closer than this are the same cell (guards against 0.1 vs 0.1000001 from arithmetic). */
  fractionTolerance?: number;
  /** Keep paper bars we have no counterpart for (default true): the table then shows what was not run. */
  includePaperOnly?: boolean;
}

/** The full model is both "untruncated" (Fig. 4) and truncation level F (Fig. 6): one key for both. */
function truncationKey(t: string | undefined): string {
  return t === undefined || t === 'F' ? 'full' : t;
}

function sameFraction(a: number | undefined, b: number | undefined, tol: number): boolean {
  return Math.abs((a ?? 1) - (b ?? 1)) <= tol;
}

function sameBar(c: CellResult, p: PaperValue, tol: number): boolean {
  return (
    c.figure === p.figure &&
    c.metric === p.metric &&
    c.model === p.model &&
    c.init === p.init &&
    truncationKey(c.truncation) === truncationKey(p.truncation) &&
    sameFraction(c.fraction, p.fraction, tol) &&
    // The paper's COVID bars have no label: the binary task's one label matches whatever a dataset calls it.
    (p.label === undefined || sameLabel(c.label, p.label))
  );
}

function describeUnmatched(c: CellResult, paperForFigure: PaperValue[], tol: number): string {
  if (paperForFigure.length === 0) return `the paper has no ${c.figure}`;
  const sameModel = paperForFigure.filter(
    (p) => p.model === c.model && p.init === c.init && truncationKey(p.truncation) === truncationKey(c.truncation),
  );
  if (sameModel.length === 0) return `the paper's ${c.figure} has no ${contenderName(c)}`;
  const labelled = sameModel.filter((p) => p.label === undefined || sameLabel(p.label, c.label));
  if (labelled.length === 0) return `the paper's ${c.figure} has no label '${c.label}'`;
  if (!labelled.some((p) => sameFraction(p.fraction, c.fraction, tol))) {
    const fractions = [...new Set(labelled.map((p) => formatFraction(p.fraction)))].join(', ');
    return `no paper bar at ${formatFraction(c.fraction)} of the training data (the paper has ${fractions})`;
  }
  return 'no paper bar for this metric';
}

/** The COVID bars' one label, named as our cells of that figure name it (when they agree on one). */
function binaryLabelOf(ours: CellResult[], figure: FigureId): string {
  const labels = [...new Set(ours.filter((c) => c.figure === figure).map((c) => c.label))];
  return labels.length === 1 ? labels[0] : '(binary task)';
}

export function joinWithPaper(ours: CellResult[], paper: PaperValue[], options: JoinOptions = {}): JoinedRow[] {
  const tol = options.fractionTolerance ?? 1e-6;
  const includePaperOnly = options.includePaperOnly ?? true;
  const figures = new Set(ours.map((c) => c.figure));
  const usedPaper = new Set<PaperValue>();
  const rows: JoinedRow[] = [];

  for (const c of ours) {
    const candidates = paper.filter((p) => !usedPaper.has(p) && sameBar(c, p, tol));
    const p = candidates[0];
    const row: JoinedRow = {
      figure: c.figure,
      model: c.model,
      init: c.init,
      label: c.label,
      labelShort: labelAbbreviation(c.label),
      contender: contenderName(c),
      metric: c.metric,
      ours: { mean: c.mean, spread: c.spread, n: c.n, status: c.status },
      match: p ? 'matched' : 'ours-only',
    };
    if (c.truncation !== undefined) row.truncation = c.truncation;
    if (c.fraction !== undefined) row.fraction = c.fraction;
    if (c.reason !== undefined) row.ours!.reason = c.reason;
    if (p) {
      usedPaper.add(p);
      row.paper = { mean: p.mean, halfwidth: p.halfwidth };
      if (c.status === 'ok') row.difference = c.mean - p.mean;
      else row.note = `ours ${statusText(c.status, c.reason, 'short')}`;
    } else {
      row.note = describeUnmatched(
        c,
        paper.filter((q) => q.figure === c.figure && q.metric === c.metric),
        tol,
      );
    }
    rows.push(row);
  }

  if (includePaperOnly) {
    for (const p of paper) {
      if (usedPaper.has(p) || !figures.has(p.figure)) continue;
      const label = p.label ?? binaryLabelOf(ours, p.figure);
      const row: JoinedRow = {
        figure: p.figure,
        model: p.model,
        init: p.init,
        label,
        labelShort: p.labelAbbreviation ?? label,
        contender: contenderName(p),
        metric: p.metric,
        paper: { mean: p.mean, halfwidth: p.halfwidth },
        match: 'paper-only',
        note: 'not run here',
      };
      if (p.truncation !== undefined) row.truncation = p.truncation;
      if (p.fraction !== undefined) row.fraction = p.fraction;
      rows.push(row);
    }
  }
  return rows;
}
