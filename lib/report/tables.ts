/**
 * The "ours beside the paper's" table of each figure notebook, rendered from `joinWithPaper` rows.
 */
import { formatFraction, formatSigned } from './labels';
import type { JoinedRow, JoinMatch } from './join';
import type { Metric } from './types';

export interface ComparisonTableOptions {
  metric?: Metric;
  digits?: number;
  /** Leave out paper bars we did not run (default false: they show as "not run here"). */
  hidePaperOnly?: boolean;
  /** Keep only rows of these kinds (e.g. ['matched'] for the short table). */
  matches?: JoinMatch[];
}

/** Summary counts, for a sentence above the table. */
export function comparisonSummary(rows: readonly JoinedRow[]): {
  matched: number;
  oursOnly: number;
  paperOnly: number;
  meanAbsDifference?: number;
} {
  const diffs = rows.map((r) => r.difference).filter((d): d is number => d !== undefined);
  return {
    matched: rows.filter((r) => r.match === 'matched').length,
    oursOnly: rows.filter((r) => r.match === 'ours-only').length,
    paperOnly: rows.filter((r) => r.match === 'paper-only').length,
    meanAbsDifference: diffs.length ? diffs.reduce((a, d) => a + Math.abs(d), 0) / diffs.length : undefined,
  };
}

export function comparisonMarkdown(rows: readonly JoinedRow[], options: ComparisonTableOptions = {}): string {
  const digits = options.digits ?? 3;
  const f = (x: number): string => x.toFixed(digits);
  const shown = rows.filter(
    (r) =>
      (options.metric === undefined || r.metric === options.metric) &&
      !(options.hidePaperOnly && r.match === 'paper-only') &&
      (options.matches === undefined || options.matches.includes(r.match)),
  );
  const showFraction = shown.some((r) => r.fraction !== undefined);
  const header = ['bar', 'label', ...(showFraction ? ['fraction'] : []), 'metric', 'ours', 'paper', 'ours − paper', 'note'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of shown) {
    let ours = '—';
    if (r.ours) {
      ours =
        r.ours.status !== 'ok'
          ? r.ours.status
          : r.ours.n >= 2
            ? `${f(r.ours.mean)} ± ${f(r.ours.spread)} (n=${r.ours.n})`
            : `${f(r.ours.mean)} (n=1)`;
    }
    const paper = r.paper
      ? r.paper.halfwidth !== undefined
        ? `${f(r.paper.mean)} ± ${f(r.paper.halfwidth)}`
        : `≈${f(r.paper.mean)}`
      : '—';
    const diff = r.difference !== undefined ? formatSigned(r.difference, digits) : '—';
    const cells = [
      r.contender,
      r.labelShort,
      ...(showFraction ? [formatFraction(r.fraction)] : []),
      r.metric,
      ours,
      paper,
      diff,
      (r.note ?? '').replace(/\|/g, '\\|'),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * The notebooks' "ours beside the paper's" section: a sentence of counts, one table per metric of the bars both
 * sides have, and every row (including bars only one side has, with the reason) folded under <details>.
 */
export function comparisonSectionMarkdown(rows: readonly JoinedRow[], options: { digits?: number } = {}): string {
  const s = comparisonSummary(rows);
  const out = [
    `${s.matched} of our bars have a paper counterpart` +
      (s.meanAbsDifference !== undefined ? ` (mean |ours − paper| = ${s.meanAbsDifference.toFixed(options.digits ?? 3)} over those we could run)` : '') +
      `; ${s.oursOnly} of ours have none; ${s.paperOnly} of the paper's were not run here.`,
  ];
  for (const metric of ['AUROC', 'AUPRC'] as Metric[]) {
    if (!rows.some((r) => r.metric === metric && r.match === 'matched')) continue;
    out.push('', `**${metric}, bars both sides have:**`, '', comparisonMarkdown(rows, { ...options, metric, matches: ['matched'] }));
  }
  out.push('', `<details><summary>All ${rows.length} rows, including bars only one side has</summary>`, '', comparisonMarkdown(rows, options), '', '</details>');
  return out.join('\n');
}
