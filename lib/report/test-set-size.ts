/**
 * How precisely a test split of a given size can measure AUROC: the Hanley-McNeil (1982) standard error, used by
 * the COVID notebooks' closing note to say which differences 271 images can and cannot resolve.
 *
 * Hanley JA, McNeil BJ. The meaning and use of the area under a receiver operating characteristic (ROC) curve.
 * Radiology 143(1):29-36, 1982, eq. 2:
 *   SE^2 = [A(1-A) + (nP-1)(Q1-A^2) + (nN-1)(Q2-A^2)] / (nP nN),  Q1 = A/(2-A),  Q2 = 2A^2/(1+A).
 */
import type { Findings } from './conclusions';
import { ReportInputError } from './errors';
import { formatFraction, formatSigned } from './labels';
import type { CellResult } from './types';

export function hanleyMcNeilSE(auroc: number, positives: number, negatives: number): number {
  if (!(auroc > 0 && auroc < 1)) throw new ReportInputError(`hanleyMcNeilSE: auroc must be in (0, 1), got ${auroc}`, { field: 'auroc' });
  if (!(Number.isInteger(positives) && positives >= 1 && Number.isInteger(negatives) && negatives >= 1)) {
    throw new ReportInputError(`hanleyMcNeilSE: need at least one positive and one negative, got ${positives} / ${negatives}`, {
      field: 'positives',
    });
  }
  const a = auroc;
  const q1 = a / (2 - a);
  const q2 = (2 * a * a) / (1 + a);
  const variance = (a * (1 - a) + (positives - 1) * (q1 - a * a) + (negatives - 1) * (q2 - a * a)) / (positives * negatives);
  return Math.sqrt(variance);
}

/**
 * The smallest AUROC difference between two models scored on the same test split that a two-sided 95% test
 * could detect, treating their errors as independent (conservative: paired errors on one split are positively
 * correlated, which makes the true threshold somewhat smaller): 1.96 * sqrt(2) * SE.
 */
export function detectableAurocDifference(auroc: number, positives: number, negatives: number): number {
  return 1.96 * Math.SQRT2 * hanleyMcNeilSE(auroc, positives, negatives);
}

export interface TestSplitCounts {
  label: string;
  positives: number;
  negatives: number;
}

/**
 * The closing note of a figure: how big the test split is, what AUROC difference it can resolve, and how many of
 * the figure's TL/RI or best-vs-runner-up AUROC differences clear that bar. Everything is computed from the
 * arguments. `typicalAuroc` defaults to the median of the 'ok' AUROC bars (0.8 when there are none).
 */
export function testSetMarkdown(
  counts: readonly TestSplitCounts[],
  differences: readonly { what: string; difference: number }[],
  typicalAuroc?: number,
  options: { spreadOverSeeds?: boolean } = {},
): string {
  const usable = counts.filter((c) => c.positives > 0 && c.negatives > 0);
  if (usable.length === 0) return 'The test split has no label with both positives and negatives, so no AUROC can be measured on it.';
  const a = typicalAuroc !== undefined && typicalAuroc > 0 && typicalAuroc < 1 ? typicalAuroc : 0.8;
  const lines: string[] = [];
  for (const c of usable) {
    const se = hanleyMcNeilSE(a, c.positives, c.negatives);
    const detectable = detectableAurocDifference(a, c.positives, c.negatives);
    lines.push(
      `- **${c.label}**: ${c.positives} positives and ${c.negatives} negatives in the test split. At AUROC ≈ ${a.toFixed(2)} the ` +
        `Hanley–McNeil standard error is ${se.toFixed(3)}, so two models scored on this split need to differ by about ` +
        `${detectable.toFixed(3)} in AUROC before the difference is distinguishable from test-set noise (95%, unpaired).`,
    );
  }
  if (differences.length > 0 && usable.length === 1) {
    const c = usable[0];
    const bar = detectableAurocDifference(a, c.positives, c.negatives);
    const big = differences.filter((d) => Math.abs(d.difference) > bar);
    lines.push(
      `- Of the ${differences.length} AUROC difference${differences.length > 1 ? 's' : ''} this figure compares, ` +
        `${big.length} exceed${big.length === 1 ? 's' : ''} that: ${big.length ? big.map((d) => `${d.what} (${formatSigned(d.difference, 3)})`).join(', ') : 'none'}.`,
    );
  }
  lines.push(
    options.spreadOverSeeds === false
      ? "- The error bars here are each bar's 95% test-set bootstrap interval: they show this test-set noise, and no " +
          'variation over seeds (initialisation, batch order, training subset), which one run per bar cannot show.'
      : '- Seeds vary initialisation, batch order and the training subset, not the test images, so the ± SD over seeds ' +
          'does not include this test-set noise; both limit what the bars can show.',
  );
  return lines.join('\n');
}

/**
 * The AUROC differences a figure's conclusions rest on: TL − RI per pair when the figure compares
 * initialisations, else best − runner-up per panel.
 */
export function aurocDifferences(findings: Findings): Array<{ what: string; difference: number }> {
  const at = (f: number | undefined): string => (f === undefined ? '' : ` at ${formatFraction(f)}`);
  const pairs = findings.tlVsRi.filter((f) => f.metric === 'AUROC' && f.difference !== undefined);
  if (pairs.length > 0) return pairs.map((f) => ({ what: `${f.name} TL − RI${at(f.fraction)}`, difference: f.difference as number }));
  return findings.winners
    .filter((w) => w.metric === 'AUROC' && w.margin !== undefined && w.best && w.runnerUp)
    .map((w) => ({ what: `${w.best!.name} − ${w.runnerUp!.name}${at(w.fraction)}`, difference: w.margin as number }));
}

/** Median of the 'ok' AUROC bars, or undefined when there are none. */
export function medianAuroc(cells: readonly CellResult[]): number | undefined {
  const v = cells.filter((c) => c.status === 'ok' && c.metric === 'AUROC').map((c) => c.mean).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
