/**
 * The conclusions as a notebook reads them: markdown built only from the findings `computeConclusions` computed
 * (conclusions.ts), never typed in.
 */
import { distinct, groupBy, statusText } from './cells';
import { fractionKey, type BarSummary, type Findings, type TlRiFinding, type TlRiVerdict, type WinnerFinding } from './conclusions';
import { formatFraction, formatSigned, labelAbbreviation } from './labels';
import type { FigureId, Metric } from './types';

export interface ConclusionsMarkdownOptions {
  /** Decimal places for means and differences (default 3, the paper's digitisation precision). */
  digits?: number;
  /** Prefix every section with a warning that the numbers come from synthetic data. */
  synthetic?: boolean;
}

const fmt = (x: number, digits: number): string => x.toFixed(digits);
const where = (figure: FigureId, fraction: number | undefined, multipleFractions: boolean): string =>
  multipleFractions || fraction !== undefined ? `${figure}, ${formatFraction(fraction)} of training data` : figure;

function bar(b: BarSummary, digits: number): string {
  return b.n >= 2 ? `${fmt(b.mean, digits)} ± ${fmt(b.spread, digits)}` : `${fmt(b.mean, digits)} (1 run)`;
}

function winnerSection(findings: Findings, set: WinnerFinding[], multipleFractions: boolean, digits: number): string[] {
  const { figure, fraction } = set[0]!;
  const out = [`**Best bar per label (${where(figure, fraction, multipleFractions)}).**`, '', '| label | best by AUROC | best by AUPRC | same winner? |', '|---|---|---|---|'];
  for (const [label, ws] of groupBy(set, (w) => w.label)) {
    const cell = (m: Metric): string => {
      const w = ws.find((x) => x.metric === m);
      if (!w) return '—';
      if (w.winners.length === 0) return 'no bar available';
      const best = w.best as BarSummary;
      const judged = w.runnerUp !== undefined && best.n >= 2 && w.runnerUp.n >= 2;
      const tag = w.winners.length > 1 ? ' (tie)' : w.clear ? ' (clear)' : judged ? ' (within spread)' : '';
      return `${w.winners.join(' = ')}: ${bar(best, digits)}${tag}`;
    };
    const roc = ws.find((x) => x.metric === 'AUROC');
    const prc = ws.find((x) => x.metric === 'AUPRC');
    const decided = roc && prc && roc.winners.length && prc.winners.length;
    const same = decided ? (roc.winners.some((n) => prc.winners.includes(n)) ? 'yes' : '**no**') : '—';
    out.push(`| ${labelAbbreviation(label)} | ${cell('AUROC')} | ${cell('AUPRC')} | ${same} |`);
  }
  out.push('');
  const counts = findings.winCounts.filter((c) => c.figure === figure && fractionKey(c.fraction) === fractionKey(fraction));
  for (const metric of ['AUROC', 'AUPRC'] as Metric[]) {
    const ranked = counts.filter((c) => c.metric === metric && c.wins > 0).sort((a, b) => b.wins - a.wins);
    if (ranked.length > 0) out.push(`- Labels won by ${metric} (ties count for each tied bar): ${ranked.map((c) => `${c.name} ${c.wins}/${c.of}`).join(', ')}.`);
  }
  out.push('');
  return out;
}

function tlRiSection(t: TlRiFinding[], multipleFractions: boolean, digits: number): string[] {
  const count = (v: TlRiVerdict): number => t.filter((f) => f.verdict === v).length;
  const out = [
    '**TL vs RI.**',
    '',
    `Of ${t.length} TL/RI pairs (bar × label × metric${multipleFractions ? ' × fraction' : ''}): ` +
      `TL beats RI by more than the spread in ${count('TL')}, RI beats TL by more than the spread in ${count('RI')}, ` +
      `the difference is within the spread in ${count('within-spread')}` +
      (count('single-run') ? `, ${count('single-run')} rest on a single run (no spread to judge by)` : '') +
      (count('unavailable') ? `, and ${count('unavailable')} cannot be compared (a bar is missing)` : '') +
      '.',
  ];
  const beyond = t.filter((f) => f.verdict === 'TL' || f.verdict === 'RI');
  if (beyond.length > 0) {
    out.push('', '| bar | label | fraction | metric | TL | RI | TL − RI | winner |', '|---|---|---|---|---|---|---|---|');
    for (const f of beyond) {
      out.push(
        `| ${f.name} | ${labelAbbreviation(f.label)} | ${formatFraction(f.fraction)} | ${f.metric} | ` +
          `${bar(f.tl as BarSummary, digits)} | ${bar(f.ri as BarSummary, digits)} | ${formatSigned(f.difference as number, digits)} | **${f.verdict}** |`,
      );
    }
  }
  const single = t.filter((f) => f.verdict === 'single-run' && f.direction !== 'tie');
  if (single.length > 0) {
    const tlAhead = single.filter((f) => f.direction === 'TL').length;
    out.push('', `Single-run pairs, by direction only: TL ahead in ${tlAhead}, RI ahead in ${single.length - tlAhead} (more seeds are needed before either counts as a win).`);
  }
  out.push('');
  return out;
}

function disagreementSection(findings: Findings): string[] {
  const out = ['**Where AUROC and AUPRC disagree.**', ''];
  const compared = findings.winners.some((w) => w.compared >= 2) || findings.tlVsRi.some((f) => f.direction !== undefined);
  if (!compared) return [...out, 'Nothing to compare yet: no panel has two bars with values.', ''];
  if (findings.disagreements.length === 0) return [...out, 'Nowhere: the two metrics pick the same winner in every comparison above.', ''];
  for (const d of findings.disagreements) {
    const at = `${labelAbbreviation(d.label)}${d.fraction !== undefined ? ` at ${formatFraction(d.fraction)}` : ''}`;
    out.push(
      d.kind === 'best-bar'
        ? `- ${d.figure}, ${at}: best bar is ${d.byAUROC} by AUROC but ${d.byAUPRC} by AUPRC.`
        : `- ${d.figure}, ${d.name} on ${at}: ${d.byAUROC} is ahead by AUROC but ${d.byAUPRC} by AUPRC.`,
    );
  }
  out.push('');
  return out;
}

function missingSection(findings: Findings): string[] {
  if (findings.missing.length === 0) return [];
  const out = ['**Bars not available** (left out of every comparison):', ''];
  for (const [reason, ms] of groupBy(findings.missing, (m) => statusText(m.status, m.reason, 'short'))) {
    out.push(`- ${distinct(ms.map((m) => m.name)).join(', ')} — ${reason} (${ms.length} bar${ms.length > 1 ? 's' : ''}).`);
  }
  out.push('');
  return out;
}

/** Render the findings as markdown for a notebook cell. Every sentence is built from `findings`. */
export function conclusionsMarkdown(findings: Findings, options: ConclusionsMarkdownOptions = {}): string {
  const digits = options.digits ?? 3;
  const out: string[] = [];
  if (options.synthetic) {
    out.push('> **SYNTHETIC DATA.** These conclusions describe a generated stand-in dataset, not chest X-rays; they');
    out.push('> check that the pipeline works and say nothing about transfer learning on real images.', '');
  }
  const sets = groupBy(findings.winners, (w) => [w.figure, fractionKey(w.fraction)].join('|'));
  const multipleFractions = sets.size > 1;
  for (const set of sets.values()) out.push(...winnerSection(findings, set, multipleFractions, digits));
  if (findings.tlVsRi.length > 0) out.push(...tlRiSection(findings.tlVsRi, multipleFractions, digits));
  out.push(...disagreementSection(findings), ...missingSection(findings));
  out.push(
    `_Rules: a win is the highest mean (means within ${findings.tieTolerance} tie); "clear" and "by more than the ` +
      `spread" mean the error bars as drawn do not overlap (difference of means > sum of the two spreads), which ` +
      `needs at least 2 runs per bar._`,
  );
  return out.join('\n');
}
