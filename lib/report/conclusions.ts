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
 * Bars that are not 'ok' (unavailable, failed) are never compared; they are listed with their reason.
 */
import { distinct, groupBy, statusText, validateCells } from './cells';
import { contenderName, formatFraction, labelAbbreviation } from './labels';
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

const fractionKey = (f: number | undefined): string => formatFraction(f);

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

export function computeConclusions(cells: readonly CellResult[], options: ConclusionOptions = {}): Findings {
  validateCells(cells);
  const tol = options.tieTolerance ?? 0.0005;
  const nameOf = namer(cells);

  const panels = groupBy(cells, (c) => [c.figure, fractionKey(c.fraction), c.label, c.metric].join('|'));
  const winners = [...panels.values()].map((panel) => panelWinner(panel, nameOf, tol));

  // Wins per bar name over the labels of each (figure, fraction, metric).
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

  // TL vs RI pairs: same bar apart from init.
  const pairs = groupBy(cells, (c) =>
    [c.figure, contenderName(c, false), fractionKey(c.fraction), c.label, c.metric].join('|'),
  );
  const tlVsRiFindings: TlRiFinding[] = [];
  for (const group of pairs.values()) {
    const tl = group.find((c) => c.init === 'TL');
    const ri = group.find((c) => c.init === 'RI');
    if (!tl || !ri) continue; // a truncation figure (TL only) has no pairs; nothing to say
    tlVsRiFindings.push(tlVsRi(tl, ri, contenderName(tl, false), tol));
  }

  const disagreements: DisagreementFinding[] = [];
  const byPanelNoMetric = groupBy(winners, (w) => [w.figure, fractionKey(w.fraction), w.label].join('|'));
  for (const [, ws] of byPanelNoMetric) {
    const roc = ws.find((w) => w.metric === 'AUROC');
    const prc = ws.find((w) => w.metric === 'AUPRC');
    if (!roc || !prc || roc.winners.length === 0 || prc.winners.length === 0) continue;
    if (roc.winners.some((n) => prc.winners.includes(n))) continue;
    const d: DisagreementFinding = {
      kind: 'best-bar',
      figure: roc.figure,
      label: roc.label,
      byAUROC: roc.winners.join(' = '),
      byAUPRC: prc.winners.join(' = '),
    };
    if (roc.fraction !== undefined) d.fraction = roc.fraction;
    disagreements.push(d);
  }
  const tlRiByBar = groupBy(tlVsRiFindings, (f) => [f.figure, f.name, fractionKey(f.fraction), f.label].join('|'));
  for (const [, fs] of tlRiByBar) {
    const roc = fs.find((f) => f.metric === 'AUROC');
    const prc = fs.find((f) => f.metric === 'AUPRC');
    if (!roc?.direction || !prc?.direction || roc.direction === 'tie' || prc.direction === 'tie') continue;
    if (roc.direction === prc.direction) continue;
    const d: DisagreementFinding = {
      kind: 'tl-vs-ri',
      figure: roc.figure,
      label: roc.label,
      name: roc.name,
      byAUROC: roc.direction,
      byAUPRC: prc.direction,
    };
    if (roc.fraction !== undefined) d.fraction = roc.fraction;
    disagreements.push(d);
  }

  const missing: MissingFinding[] = cells
    .filter((c) => c.status !== 'ok')
    .map((c) => {
      const m: MissingFinding = {
        figure: c.figure,
        name: nameOf(c),
        label: c.label,
        metric: c.metric,
        status: c.status as Exclude<CellStatus, 'ok'>,
      };
      if (c.fraction !== undefined) m.fraction = c.fraction;
      if (c.reason !== undefined) m.reason = c.reason;
      return m;
    });

  return { tieTolerance: tol, winners, winCounts, tlVsRi: tlVsRiFindings, disagreements, missing };
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

export interface ConclusionsMarkdownOptions {
  /** Decimal places for means and differences (default 3, the paper's digitisation precision). */
  digits?: number;
  /** Prefix every section with a warning that the numbers come from synthetic data. */
  synthetic?: boolean;
}

const fmt = (x: number, digits: number): string => x.toFixed(digits);
const signed = (x: number, digits: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
const where = (figure: FigureId, fraction: number | undefined, multipleFractions: boolean): string =>
  multipleFractions || fraction !== undefined ? `${figure}, ${formatFraction(fraction)} of training data` : figure;

function bar(b: BarSummary, digits: number): string {
  return b.n >= 2 ? `${fmt(b.mean, digits)} ± ${fmt(b.spread, digits)}` : `${fmt(b.mean, digits)} (1 run)`;
}

/** Render the findings as markdown for a notebook cell. Every sentence is built from `findings`. */
export function conclusionsMarkdown(findings: Findings, options: ConclusionsMarkdownOptions = {}): string {
  const digits = options.digits ?? 3;
  const out: string[] = [];
  if (options.synthetic) {
    out.push('> **SYNTHETIC DATA.** These conclusions describe a generated stand-in dataset, not chest X-rays; they');
    out.push('> check that the pipeline works and say nothing about transfer learning on real images.', '');
  }

  // 1. Winners, one table per (figure, fraction) with both metrics side by side.
  const sets = groupBy(findings.winners, (w) => [w.figure, fractionKey(w.fraction)].join('|'));
  const multipleFractions = sets.size > 1;
  for (const set of sets.values()) {
    const { figure, fraction } = set[0];
    out.push(`**Best bar per label (${where(figure, fraction, multipleFractions)}).**`, '');
    out.push('| label | best by AUROC | best by AUPRC | same winner? |', '|---|---|---|---|');
    const byLabel = groupBy(set, (w) => w.label);
    for (const [label, ws] of byLabel) {
      const cell = (m: Metric): string => {
        const w = ws.find((x) => x.metric === m);
        if (!w) return '—';
        if (w.winners.length === 0) return 'no bar available';
        const names = w.winners.join(' = ');
        const best = w.best as BarSummary;
        const judged = w.runnerUp !== undefined && best.n >= 2 && w.runnerUp.n >= 2;
        const tag = w.winners.length > 1 ? ' (tie)' : w.clear ? ' (clear)' : judged ? ' (within spread)' : '';
        return `${names}: ${bar(best, digits)}${tag}`;
      };
      const roc = ws.find((x) => x.metric === 'AUROC');
      const prc = ws.find((x) => x.metric === 'AUPRC');
      const same =
        roc && prc && roc.winners.length && prc.winners.length
          ? roc.winners.some((n) => prc.winners.includes(n))
            ? 'yes'
            : '**no**'
          : '—';
      out.push(`| ${labelAbbreviation(label)} | ${cell('AUROC')} | ${cell('AUPRC')} | ${same} |`);
    }
    out.push('');
    const counts = findings.winCounts.filter(
      (c) => c.figure === figure && fractionKey(c.fraction) === fractionKey(fraction),
    );
    for (const metric of ['AUROC', 'AUPRC'] as Metric[]) {
      const ranked = counts.filter((c) => c.metric === metric && c.wins > 0).sort((a, b) => b.wins - a.wins);
      if (ranked.length === 0) continue;
      const text = ranked.map((c) => `${c.name} ${c.wins}/${c.of}`).join(', ');
      out.push(`- Labels won by ${metric} (ties count for each tied bar): ${text}.`);
    }
    out.push('');
  }

  // 2. TL vs RI.
  if (findings.tlVsRi.length > 0) {
    const t = findings.tlVsRi;
    const count = (v: TlRiVerdict): number => t.filter((f) => f.verdict === v).length;
    out.push('**TL vs RI.**', '');
    out.push(
      `Of ${t.length} TL/RI pairs (bar × label × metric${multipleFractions ? ' × fraction' : ''}): ` +
        `TL beats RI by more than the spread in ${count('TL')}, RI beats TL by more than the spread in ${count('RI')}, ` +
        `the difference is within the spread in ${count('within-spread')}` +
        (count('single-run') ? `, ${count('single-run')} rest on a single run (no spread to judge by)` : '') +
        (count('unavailable') ? `, and ${count('unavailable')} cannot be compared (a bar is missing)` : '') +
        '.',
    );
    const beyond = t.filter((f) => f.verdict === 'TL' || f.verdict === 'RI');
    if (beyond.length > 0) {
      out.push('', '| bar | label | fraction | metric | TL | RI | TL − RI | winner |', '|---|---|---|---|---|---|---|---|');
      for (const f of beyond) {
        out.push(
          `| ${f.name} | ${labelAbbreviation(f.label)} | ${formatFraction(f.fraction)} | ${f.metric} | ` +
            `${bar(f.tl as BarSummary, digits)} | ${bar(f.ri as BarSummary, digits)} | ` +
            `${signed(f.difference as number, digits)} | **${f.verdict}** |`,
        );
      }
    }
    const single = t.filter((f) => f.verdict === 'single-run' && f.direction !== 'tie');
    if (single.length > 0) {
      const tlAhead = single.filter((f) => f.direction === 'TL').length;
      out.push(
        '',
        `Single-run pairs, by direction only: TL ahead in ${tlAhead}, RI ahead in ${single.length - tlAhead}` +
          ` (more seeds are needed before either counts as a win).`,
      );
    }
    out.push('');
  }

  // 3. Metric disagreements.
  const dis = findings.disagreements;
  out.push('**Where AUROC and AUPRC disagree.**', '');
  const compared =
    findings.winners.some((w) => w.compared >= 2) || findings.tlVsRi.some((f) => f.direction !== undefined);
  if (!compared) {
    out.push('Nothing to compare yet: no panel has two bars with values.', '');
  } else if (dis.length === 0) {
    out.push('Nowhere: the two metrics pick the same winner in every comparison above.', '');
  } else {
    for (const d of dis) {
      const at = `${labelAbbreviation(d.label)}${d.fraction !== undefined ? ` at ${formatFraction(d.fraction)}` : ''}`;
      out.push(
        d.kind === 'best-bar'
          ? `- ${d.figure}, ${at}: best bar is ${d.byAUROC} by AUROC but ${d.byAUPRC} by AUPRC.`
          : `- ${d.figure}, ${d.name} on ${at}: ${d.byAUROC} is ahead by AUROC but ${d.byAUPRC} by AUPRC.`,
      );
    }
    out.push('');
  }

  // 4. What could not be compared.
  if (findings.missing.length > 0) {
    out.push('**Bars not available** (left out of every comparison):', '');
    const byReason = groupBy(findings.missing, (m) => statusText(m.status, m.reason));
    for (const [reason, ms] of byReason) {
      const names = distinct(ms.map((m) => m.name));
      out.push(`- ${names.join(', ')} — ${reason} (${ms.length} bar${ms.length > 1 ? 's' : ''}).`);
    }
    out.push('');
  }

  out.push(
    `_Rules: a win is the highest mean (means within ${findings.tieTolerance} tie); "clear" and "by more than the ` +
      `spread" mean the error bars as drawn do not overlap (difference of means > sum of the two spreads), which ` +
      `needs at least 2 runs per bar._`,
  );
  return out.join('\n');
}
