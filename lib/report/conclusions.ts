/**
 * The notebooks' conclusions, computed from the bars: nothing here is typed in by hand. Three questions, the
 * paper's own (Figs. 3-7):
 *
 * 1. Which bar wins each label, per metric? The highest mean among the 'ok' bars of a panel (same figure,
 *    training fraction, label, metric). Means within `tieTolerance` of the best are tied winners. The win is
 *    *clear* when the winner's error bar does not overlap the runner-up's: best - spread > runnerUp + spread,
 *    with both bars averaging at least 2 runs.
 * 2. Where does TL beat RI by more than the spread? For each model (and truncation, fraction, label, metric)
 *    with both a TL and an RI bar: TL beats RI when mean(TL) - mean(RI) > spread(TL) + spread(RI), i.e. the two
 *    error bars as drawn do not overlap; RI beats TL symmetrically; otherwise the difference is within the
 *    spread. A bar from a single run has no spread, so no verdict is drawn from it ('single-run'), only the
 *    direction of the difference.
 * 3. Where do AUROC and AUPRC disagree? On the best bar of a panel (the winner sets under the two metrics share
 *    no bar), and on TL vs RI (the difference points opposite ways, each beyond `tieTolerance`).
 *
 * Bars that are not 'ok' (unavailable, failed) are never compared; they are listed with their reason. The
 * findings are plain data; conclusions-markdown.ts renders them.
 */
import { distinct, groupBy, statusText, validateCells } from './cells';
import { contenderName, formatFraction } from './labels';
import type { CellResult, CellStatus, FigureId, Init, Metric } from './types';

export interface ConclusionOptions {
  /**
   * Means closer than this are a tie (default 0.0005: half the last digit the tables print, so two bars that
   * print as the same number are never called a win).
   */
  tieTolerance?: number;
}

export interface BarSummary {
  name: string;
  mean: number;
  spread: number;
  n: number;
}

export interface WinnerFinding {
  figure: FigureId;
  fraction?: number;
  label: string;
  metric: Metric;
  /** More than one name = a tie within tieTolerance. Empty when no bar of the panel is 'ok'. */
  winners: string[];
  best?: BarSummary;
  runnerUp?: BarSummary;
  /** best.mean - runnerUp.mean. */
  margin?: number;
  /** The winner's error bar clears the runner-up's (see rule 1). */
  clear: boolean;
  /** 'ok' bars compared. */
  compared: number;
}

export type TlRiVerdict = 'TL' | 'RI' | 'within-spread' | 'single-run' | 'unavailable';

export interface TlRiFinding {
  figure: FigureId;
  /** Bar name without the init suffix, e.g. `DenseNet121`, `Dens-T2`. */
  name: string;
  model: string;
  truncation?: string;
  fraction?: number;
  label: string;
  metric: Metric;
  tl?: BarSummary;
  ri?: BarSummary;
  /** mean(TL) - mean(RI). */
  difference?: number;
  verdict: TlRiVerdict;
  /** Sign of the difference regardless of spread; 'tie' within tieTolerance. */
  direction?: 'TL' | 'RI' | 'tie';
  /** Why the verdict is 'unavailable'. */
  reason?: string;
}

export interface DisagreementFinding {
  kind: 'best-bar' | 'tl-vs-ri';
  figure: FigureId;
  fraction?: number;
  label: string;
  /** For 'tl-vs-ri': the bar compared. */
  name?: string;
  byAUROC: string;
  byAUPRC: string;
}

export interface MissingFinding {
  figure: FigureId;
  name: string;
  fraction?: number;
  label: string;
  metric: Metric;
  status: Exclude<CellStatus, 'ok'>;
  reason?: string;
}

export interface WinCount {
  figure: FigureId;
  fraction?: number;
  metric: Metric;
  name: string;
  /** Labels won outright or tied (a tie counts for every tied bar). */
  wins: number;
  /** Labels in the panel set that had at least one 'ok' bar. */
  of: number;
}

export interface Findings {
  tieTolerance: number;
  winners: WinnerFinding[];
  winCounts: WinCount[];
  tlVsRi: TlRiFinding[];
  disagreements: DisagreementFinding[];
  missing: MissingFinding[];
}

export const fractionKey = (f: number | undefined): string => formatFraction(f);

/** Whether a figure's bars need the init in their names (only when both TL and RI appear). */
function namer(cells: readonly CellResult[]): (c: CellResult) => string {
  const initsByFigure = new Map<FigureId, Set<Init>>();
  for (const c of cells) {
    const s = initsByFigure.get(c.figure) ?? new Set<Init>();
    s.add(c.init);
    initsByFigure.set(c.figure, s);
  }
  return (c) => contenderName(c, (initsByFigure.get(c.figure)?.size ?? 1) > 1);
}

const summary = (c: CellResult, name: string): BarSummary => ({ name, mean: c.mean, spread: c.spread, n: c.n });

/** Rule 1 (see the module comment). */
function panelWinner(panel: CellResult[], nameOf: (c: CellResult) => string, tol: number): WinnerFinding {
  const first = panel[0];
  const ok = panel.filter((c) => c.status === 'ok').sort((a, b) => b.mean - a.mean);
  const finding: WinnerFinding = {
    figure: first.figure,
    label: first.label,
    metric: first.metric,
    winners: [],
    clear: false,
    compared: ok.length,
  };
  if (first.fraction !== undefined) finding.fraction = first.fraction;
  if (ok.length === 0) return finding;
  const top = ok[0];
  const tied = ok.filter((c) => top.mean - c.mean <= tol);
  finding.winners = tied.map(nameOf);
  finding.best = summary(top, nameOf(top));
  const runnerUp = ok[1];
  if (runnerUp) {
    finding.runnerUp = summary(runnerUp, nameOf(runnerUp));
    finding.margin = top.mean - runnerUp.mean;
    finding.clear =
      tied.length === 1 && top.n >= 2 && runnerUp.n >= 2 && top.mean - top.spread > runnerUp.mean + runnerUp.spread;
  }
  return finding;
}

/** Rule 2 (see the module comment). */
function tlVsRi(tl: CellResult | undefined, ri: CellResult | undefined, name: string, tol: number): TlRiFinding {
  const any = (tl ?? ri) as CellResult;
  const f: TlRiFinding = {
    figure: any.figure,
    name,
    model: any.model,
    label: any.label,
    metric: any.metric,
    verdict: 'unavailable',
  };
  if (any.truncation !== undefined) f.truncation = any.truncation;
  if (any.fraction !== undefined) f.fraction = any.fraction;
  if (tl) f.tl = summary(tl, `${name}-TL`);
  if (ri) f.ri = summary(ri, `${name}-RI`);
  const notOk = [tl, ri].filter((c): c is CellResult => c !== undefined && c.status !== 'ok');
  if (!tl || !ri || notOk.length > 0) {
    f.reason = notOk.length
      ? notOk.map((c) => `${c.init} ${statusText(c.status, c.reason)}`).join('; ')
      : `no ${tl ? 'RI' : 'TL'} bar`;
    return f;
  }
  const diff = tl.mean - ri.mean;
  f.difference = diff;
  f.direction = Math.abs(diff) <= tol ? 'tie' : diff > 0 ? 'TL' : 'RI';
  if (tl.n < 2 || ri.n < 2) f.verdict = 'single-run';
  else if (diff > tl.spread + ri.spread) f.verdict = 'TL';
  else if (-diff > tl.spread + ri.spread) f.verdict = 'RI';
  else f.verdict = 'within-spread';
  return f;
}

/** Wins per bar name over the labels of each (figure, fraction, metric) panel set. */
function countWins(cells: readonly CellResult[], winners: WinnerFinding[], nameOf: (c: CellResult) => string): WinCount[] {
  const winCounts: WinCount[] = [];
  const panelSets = groupBy(winners, (w) => [w.figure, fractionKey(w.fraction), w.metric].join('|'));
  for (const set of panelSets.values()) {
    const decided = set.filter((w) => w.winners.length > 0);
    const names = distinct(
      cells
        .filter((c) => c.figure === set[0].figure && fractionKey(c.fraction) === fractionKey(set[0].fraction))
        .filter((c) => c.metric === set[0].metric && c.status === 'ok')
        .map(nameOf),
    );
    for (const name of names) {
      const count: WinCount = {
        figure: set[0].figure,
        metric: set[0].metric,
        name,
        wins: decided.filter((w) => w.winners.includes(name)).length,
        of: decided.length,
      };
      if (set[0].fraction !== undefined) count.fraction = set[0].fraction;
      winCounts.push(count);
    }
  }
  return winCounts;
}

/** TL vs RI pairs: the same bar apart from its init (a truncation figure, TL only, has none). */
function pairTlRi(cells: readonly CellResult[], tol: number): TlRiFinding[] {
  const pairs = groupBy(cells, (c) => [c.figure, contenderName(c, false), fractionKey(c.fraction), c.label, c.metric].join('|'));
  const findings: TlRiFinding[] = [];
  for (const group of pairs.values()) {
    const tl = group.find((c) => c.init === 'TL');
    const ri = group.find((c) => c.init === 'RI');
    if (tl && ri) findings.push(tlVsRi(tl, ri, contenderName(tl, false), tol));
  }
  return findings;
}

/** Rule 3: panels whose AUROC and AUPRC winners share no bar, and TL/RI pairs whose metrics point opposite ways. */
function findDisagreements(winners: WinnerFinding[], tlVsRiFindings: TlRiFinding[]): DisagreementFinding[] {
  const disagreements: DisagreementFinding[] = [];
  for (const ws of groupBy(winners, (w) => [w.figure, fractionKey(w.fraction), w.label].join('|')).values()) {
    const roc = ws.find((w) => w.metric === 'AUROC');
    const prc = ws.find((w) => w.metric === 'AUPRC');
    if (!roc || !prc || roc.winners.length === 0 || prc.winners.length === 0) continue;
    if (roc.winners.some((n) => prc.winners.includes(n))) continue;
    const d: DisagreementFinding = { kind: 'best-bar', figure: roc.figure, label: roc.label, byAUROC: roc.winners.join(' = '), byAUPRC: prc.winners.join(' = ') };
    if (roc.fraction !== undefined) d.fraction = roc.fraction;
    disagreements.push(d);
  }
  for (const fs of groupBy(tlVsRiFindings, (f) => [f.figure, f.name, fractionKey(f.fraction), f.label].join('|')).values()) {
    const roc = fs.find((f) => f.metric === 'AUROC');
    const prc = fs.find((f) => f.metric === 'AUPRC');
    if (!roc?.direction || !prc?.direction || roc.direction === 'tie' || prc.direction === 'tie') continue;
    if (roc.direction === prc.direction) continue;
    const d: DisagreementFinding = { kind: 'tl-vs-ri', figure: roc.figure, label: roc.label, name: roc.name, byAUROC: roc.direction, byAUPRC: prc.direction };
    if (roc.fraction !== undefined) d.fraction = roc.fraction;
    disagreements.push(d);
  }
  return disagreements;
}

function missingBars(cells: readonly CellResult[], nameOf: (c: CellResult) => string): MissingFinding[] {
  return cells
    .filter((c) => c.status !== 'ok')
    .map((c) => {
      const m: MissingFinding = { figure: c.figure, name: nameOf(c), label: c.label, metric: c.metric, status: c.status as Exclude<CellStatus, 'ok'> };
      if (c.fraction !== undefined) m.fraction = c.fraction;
      if (c.reason !== undefined) m.reason = c.reason;
      return m;
    });
}

export function computeConclusions(cells: readonly CellResult[], options: ConclusionOptions = {}): Findings {
  validateCells(cells);
  const tol = options.tieTolerance ?? 0.0005;
  const nameOf = namer(cells);
  const panels = groupBy(cells, (c) => [c.figure, fractionKey(c.fraction), c.label, c.metric].join('|'));
  const winners = [...panels.values()].map((panel) => panelWinner(panel, nameOf, tol));
  const tlVsRiFindings = pairTlRi(cells, tol);
  return {
    tieTolerance: tol,
    winners,
    winCounts: countWins(cells, winners, nameOf),
    tlVsRi: tlVsRiFindings,
    disagreements: findDisagreements(winners, tlVsRiFindings),
    missing: missingBars(cells, nameOf),
  };
}
