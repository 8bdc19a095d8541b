/**
 * The same grid under two training profiles (e.g. `quick` with 3 seeds beside `cpu` with what has finished):
 * one row per bar with both values, their difference, and whether the two test-set bootstrap intervals
 * overlap. It answers "does a larger training budget change the picture?" from stored runs, and says so per bar
 * instead of mixing profiles in one chart.
 */
import { cellKey, shortReason } from './cells';
import { contenderName, formatFraction, formatSigned } from './labels';
import type { CellResult, Metric } from './types';

export interface ProfileComparisonRow {
  bar: string;
  label: string;
  fraction?: number;
  metric: Metric;
  base?: CellResult;
  other?: CellResult;
  /** other − base, when both bars have a value. */
  difference?: number;
  /** True when both bars carry a test-set CI and the two intervals do not overlap. */
  separated?: boolean;
}

/**
 * A plain boolean, not a type guard: tslab compiles without strictNullChecks, where a guard's false branch
 * narrows a CellResult to never.
 */
const hasValue = (c: CellResult | undefined): boolean => c !== undefined && c.status === 'ok' && Number.isFinite(c.mean);

/** Rows in the base cells' order, then any bar only the other profile has. */
export function compareProfiles(base: readonly CellResult[], other: readonly CellResult[]): ProfileComparisonRow[] {
  // Both sides are the same figure's bars, so the report's own bar identity pairs them.
  const otherByKey = new Map(other.map((c) => [cellKey(c), c]));
  const seen = new Set<string>();
  const rows: ProfileComparisonRow[] = [];
  const add = (b: CellResult | undefined, o: CellResult | undefined): void => {
    const c = (b ?? o) as CellResult;
    const row: ProfileComparisonRow = { bar: contenderName(c), label: c.label, metric: c.metric, base: b, other: o };
    if (c.fraction !== undefined) row.fraction = c.fraction;
    if (b !== undefined && o !== undefined && hasValue(b) && hasValue(o)) {
      row.difference = o.mean - b.mean;
      if (b.ci && o.ci) row.separated = o.ci.lower > b.ci.upper || b.ci.lower > o.ci.upper;
    }
    rows.push(row);
  };
  for (const b of base) {
    const key = cellKey(b);
    seen.add(key);
    add(b, otherByKey.get(key));
  }
  for (const o of other) if (!seen.has(cellKey(o))) add(undefined, o);
  return rows;
}

export interface ProfileComparisonSummary {
  metric: Metric;
  /** Bars with a value under both profiles. */
  both: number;
  otherHigher: number;
  meanDifference?: number;
  /** Bars whose two test-set CIs do not overlap. */
  separated: number;
}

export function profileComparisonSummary(rows: readonly ProfileComparisonRow[]): ProfileComparisonSummary[] {
  return (['AUROC', 'AUPRC'] as Metric[]).map((metric) => {
    const paired = rows.filter((r) => r.metric === metric && r.difference !== undefined);
    const summary: ProfileComparisonSummary = {
      metric,
      both: paired.length,
      otherHigher: paired.filter((r) => (r.difference as number) > 0).length,
      separated: paired.filter((r) => r.separated === true).length,
    };
    if (paired.length) summary.meanDifference = paired.reduce((a, r) => a + (r.difference as number), 0) / paired.length;
    return summary;
  });
}

export interface ProfileComparisonMarkdownOptions {
  baseName: string;
  otherName: string;
  digits?: number;
}

function describe(c: CellResult | undefined, digits: number): string {
  if (c === undefined) return '—';
  // Why there is no value, in its first clause: "not in the results store at the paper profile" and
  // "unavailable: weights missing" call for different actions, and a bare status would not tell them apart.
  if (!hasValue(c)) return c.reason ? shortReason(c.reason) : c.status === 'ok' ? 'undefined' : c.status;
  const f = (x: number): string => x.toFixed(digits);
  const sd = c.n >= 2 ? ` ± ${f(c.spread)}` : '';
  const ci = c.ci ? ` [${f(c.ci.lower)}, ${f(c.ci.upper)}]` : '';
  return `${f(c.mean)}${sd}${ci} (n=${c.n})`;
}

/**
 * A sentence per metric, then the table of every bar with a value under at least one profile: value ± SD over
 * seeds [95% test-set CI] (n runs) for each.
 */
export function profileComparisonMarkdown(rows: readonly ProfileComparisonRow[], options: ProfileComparisonMarkdownOptions): string {
  const digits = options.digits ?? 3;
  const sentences = profileComparisonSummary(rows).map((s) =>
    s.both === 0
      ? `- ${s.metric}: no bar has a value under both profiles yet.`
      : `- ${s.metric}: ${options.otherName} is higher than ${options.baseName} on ${s.otherHigher} of ${s.both} bars ` +
        `(mean difference ${formatSigned(s.meanDifference as number, digits)}); ` +
        `the two test-set 95% CIs are disjoint on ${s.separated} of them.`,
  );
  const showFraction = rows.some((r) => r.fraction !== undefined);
  const header = ['bar', 'label', ...(showFraction ? ['fraction'] : []), 'metric', options.baseName, options.otherName, `${options.otherName} − ${options.baseName}`];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  const shown = rows.filter((r) => hasValue(r.base) || hasValue(r.other));
  for (const r of shown) {
    const diff = r.difference === undefined ? '—' : `${formatSigned(r.difference, digits)}${r.separated ? ' *' : ''}`;
    const cells = [r.bar, r.label, ...(showFraction ? [formatFraction(r.fraction)] : []), r.metric, describe(r.base, digits), describe(r.other, digits), diff];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const hidden = rows.length - shown.length;
  const notes = ['`*`: the two 95% test-set bootstrap intervals do not overlap.'];
  if (hidden > 0) notes.push(`${hidden} bars have no value under either profile and are left out (the charts list why).`);
  return [...sentences, '', ...lines, '', ...notes].join('\n');
}
