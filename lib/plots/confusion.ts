/**
 * The confusion table and the rates defined from it (the right panel of the paper's Fig. 2), as HTML or
 * markdown for notebooks, optionally filled with the counts of one classifier at one threshold.
 */
import { MetricInputError } from '../errors';

export interface ConfusionDefinition {
  name: string;
  formula: string;
  /** What the rate answers, in words. */
  meaning: string;
}

export const CONFUSION_DEFINITIONS: readonly ConfusionDefinition[] = [
  { name: 'TPR / Recall', formula: 'TP / (TP + FN)', meaning: 'share of the positives that are found' },
  { name: 'FPR', formula: 'FP / (FP + TN)', meaning: 'share of the negatives that are flagged' },
  { name: 'Precision', formula: 'TP / (TP + FP)', meaning: 'share of the flagged cases that are positive' },
];

export interface ConfusionCounts {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Counts at "score >= threshold is predicted positive". Labels must be 0/1 and aligned with scores. */
export function confusionCounts(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): ConfusionCounts {
  if (labels.length !== scores.length) {
    throw new MetricInputError(`confusionCounts: ${labels.length} labels but ${scores.length} scores`, { field: 'scores' });
  }
  const counts: ConfusionCounts = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label !== 0 && label !== 1) {
      throw new MetricInputError(`confusionCounts: labels[${i}] is ${label}; labels must be 0 or 1`, { field: 'labels', row: i });
    }
    const predicted = scores[i]! >= threshold;
    if (label === 1) {
      if (predicted) counts.tp++;
      else counts.fn++;
    } else if (predicted) counts.fp++;
    else counts.tn++;
  }
  return counts;
}

export interface ConfusionRates {
  tpr: number;
  fpr: number;
  precision: number;
}

/** The three rates; NaN where the denominator is zero (e.g. precision when nothing is flagged). */
export function confusionRates(c: ConfusionCounts): ConfusionRates {
  return {
    tpr: c.tp / (c.tp + c.fn),
    fpr: c.fp / (c.fp + c.tn),
    precision: c.tp / (c.tp + c.fp),
  };
}

/** Markdown table of the definitions. */
export function confusionDefinitionsMarkdown(): string {
  const rows = CONFUSION_DEFINITIONS.map((d) => `| ${d.name} | ${d.formula} | ${d.meaning} |`);
  return ['| Rate | Definition | Meaning |', '|---|---|---|', ...rows].join('\n');
}

export interface ConfusionTableOptions {
  /** Caption above the table, e.g. "CA, top 12 flagged". Plain text (escaped). */
  caption?: string;
  digits?: number;
}

/**
 * HTML 2x2 confusion table (actual in rows, predicted in columns) with the derived rates beside it. Without
 * counts it shows the cell names only (the definition table of the paper).
 */
export function confusionTableHtml(counts?: ConfusionCounts, options: ConfusionTableOptions = {}): string {
  const digits = options.digits ?? 3;
  const cell = (name: keyof ConfusionCounts): string =>
    counts === undefined ? name.toUpperCase() : `${name.toUpperCase()} = ${counts[name]}`;
  const rates = counts === undefined ? undefined : confusionRates(counts);
  const rate = (value: number | undefined): string =>
    value === undefined ? '' : ` = ${Number.isNaN(value) ? 'undefined' : value.toFixed(digits)}`;
  const td = 'style="border:1px solid #999;padding:4px 10px;text-align:center"';
  const th = 'style="border:1px solid #999;padding:4px 10px;background:#f0f0f0"';
  const caption = options.caption === undefined ? '' : `<caption style="caption-side:top">${escape(options.caption)}</caption>`;
  return [
    '<div style="display:flex;gap:24px;align-items:flex-start">',
    `<table style="border-collapse:collapse">${caption}`,
    `<tr><th ${th}></th><th ${th}>Predicted positive</th><th ${th}>Predicted negative</th></tr>`,
    `<tr><th ${th}>Actual positive</th><td ${td}>${cell('tp')}</td><td ${td}>${cell('fn')}</td></tr>`,
    `<tr><th ${th}>Actual negative</th><td ${td}>${cell('fp')}</td><td ${td}>${cell('tn')}</td></tr>`,
    '</table>',
    '<table style="border-collapse:collapse">',
    `<tr><th ${th}>Rate</th><th ${th}>Definition</th></tr>`,
    `<tr><td ${td}>TPR / Recall</td><td ${td}>TP / (TP + FN)${rate(rates?.tpr)}</td></tr>`,
    `<tr><td ${td}>FPR</td><td ${td}>FP / (FP + TN)${rate(rates?.fpr)}</td></tr>`,
    `<tr><td ${td}>Precision</td><td ${td}>TP / (TP + FP)${rate(rates?.precision)}</td></tr>`,
    '</table>',
    '</div>',
  ].join('\n');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
