/**
 * Per-label AUROC / AUPRC for multi-label classifiers (CheXpert-style), with an optional mask for the
 * U-Ignore policy: uncertain labels are left out of that label's metrics only, not out of the others.
 */
import { MetricInputError } from '../errors';
import { rankingAreas } from './counts';
import type { InputNames, NumericArray } from './input';
import { splitByClass, undefinedCause } from './input';

/**
 * Matrices are row-major arrays of rows: `matrix[sample][label]`, e.g. `tensor.arraySync()` of an
 * [nSamples, nLabels] tensor, or rows read from a CSV. Each row may be a number[] or a typed array.
 */
export type NumericMatrix = ArrayLike<NumericArray>;

export interface MultiLabelOptions {
  /** One name per column, in column order; used in results and error messages. */
  labelNames: readonly string[];
  /**
   * Same shape as labels. 1 = use the entry; 0 = leave it out of that label's metrics (U-Ignore). Masked
   * entries are not validated, so uncertain labels may keep a placeholder such as -1 or NaN.
   */
  mask?: NumericMatrix;
}

export interface LabelMetrics {
  label: string;
  /** Unmasked samples for this label. */
  n: number;
  positives: number;
  negatives: number;
  /** null when undefined for this label (no positives or no negatives); see `reason`. */
  auroc: number | null;
  /** Trapezoidal AUPRC, the paper's definition; null when there are no positives. */
  auprc: number | null;
  /** average_precision_score; null when there are no positives. */
  averagePrecision: number | null;
  /** Present exactly when a metric is null: why it is undefined. */
  reason?: string;
}

function requireMatrix(value: unknown, field: string, rows: number | undefined): asserts value is NumericMatrix {
  if (value === null || typeof value !== 'object' || typeof (value as { length?: unknown }).length !== 'number') {
    throw new MetricInputError(`multiLabelMetrics: ${field} must be an array of rows, got ${String(value)}`, {
      field,
    });
  }
  const length = (value as NumericMatrix).length;
  if (rows !== undefined && length !== rows) {
    throw new MetricInputError(`multiLabelMetrics: ${field} has ${length} rows but scores has ${rows}`, {
      field,
      rows: length,
      expectedRows: rows,
    });
  }
}

function requireRow(matrix: NumericMatrix, field: string, row: number, columns: number): NumericArray {
  const r = matrix[row];
  if (r === null || typeof r !== 'object' || typeof (r as { length?: unknown }).length !== 'number') {
    throw new MetricInputError(`multiLabelMetrics: ${field}[${row}] is not an array of numbers`, { field, row });
  }
  if (r.length !== columns) {
    throw new MetricInputError(
      `multiLabelMetrics: ${field}[${row}] has ${r.length} entries but labelNames has ${columns}`,
      { field, row, entries: r.length, expected: columns },
    );
  }
  return r;
}

function requireLabelNames(labelNames: unknown): readonly string[] {
  if (!Array.isArray(labelNames) || labelNames.length === 0 || !labelNames.every((l) => typeof l === 'string')) {
    throw new MetricInputError('multiLabelMetrics: options.labelNames must be a non-empty array of strings', {
      field: 'labelNames',
    });
  }
  const seen = new Set<string>();
  for (const name of labelNames as string[]) {
    if (seen.has(name)) {
      throw new MetricInputError(`multiLabelMetrics: label name "${name}" appears twice in labelNames`, {
        field: 'labelNames',
        key: name,
      });
    }
    seen.add(name);
  }
  return labelNames as string[];
}

/**
 * AUROC, trapezoidal AUPRC and average precision for every label (column).
 *
 * Bad input (shape mismatch, NaN/Infinity score, label not 0/1, mask not 0/1) throws MetricInputError naming
 * the row, column and label. A label whose metric is undefined (all masked, no positives, no negatives) does
 * not throw: that metric is null and `reason` says why, so one rare label cannot abort a whole evaluation.
 */
export function multiLabelMetrics(
  labels: NumericMatrix,
  scores: NumericMatrix,
  options: MultiLabelOptions,
): LabelMetrics[] {
  const labelNames = requireLabelNames(options?.labelNames);
  const rows = checkedRows(labels, scores, options.mask, labelNames.length);
  return labelNames.map((label, j) => labelColumnMetrics(label, column(rows, label, j)));
}

interface CheckedRows {
  labels: NumericArray[];
  scores: NumericArray[];
  /** Empty when there is no mask. */
  mask: NumericArray[];
}

/** Every row of labels, scores and mask, checked to be an array of `columns` entries. */
function checkedRows(labels: NumericMatrix, scores: NumericMatrix, mask: NumericMatrix | undefined, columns: number): CheckedRows {
  requireMatrix(scores, 'scores', undefined);
  const rows = scores.length;
  if (rows === 0) {
    throw new MetricInputError('multiLabelMetrics: labels and scores have no rows', { field: 'scores' });
  }
  requireMatrix(labels, 'labels', rows);
  if (mask !== undefined) requireMatrix(mask, 'mask', rows);
  const out: CheckedRows = { labels: [], scores: [], mask: [] };
  for (let r = 0; r < rows; r++) {
    out.labels.push(requireRow(labels, 'labels', r, columns));
    out.scores.push(requireRow(scores, 'scores', r, columns));
    if (mask !== undefined) out.mask.push(requireRow(mask, 'mask', r, columns));
  }
  return out;
}

/** One label's unmasked entries, with where each came from (for error messages). */
interface LabelColumn {
  labels: number[];
  scores: number[];
  names: InputNames;
}

function column(rows: CheckedRows, label: string, j: number): LabelColumn {
  // Plain arrays, not Float64Array: a string or boolean must reach splitByClass as itself, not coerced to 0/1.
  const labels: number[] = [];
  const scores: number[] = [];
  const rowOf: number[] = [];
  rows.scores.forEach((scoreRow, r) => {
    if (rows.mask.length > 0) {
      const m = rows.mask[r]![j];
      if (m === 0) return;
      if (m !== 1) {
        throw new MetricInputError(
          `multiLabelMetrics: mask[${r}][${j}] (label "${label}") is ${String(m)}; mask entries must be 0 or 1`,
          { field: 'mask', row: r, key: label, value: m },
        );
      }
    }
    // Copied as-is (NaN, strings and all) so splitByClass reports bad values with their original position.
    labels.push(rows.labels[r]![j]!);
    scores.push(scoreRow[j]!);
    rowOf.push(r);
  });
  const names: InputNames = { context: `multiLabelMetrics, label "${label}"`, labels: 'labels', scores: 'scores', index: (i) => `[${rowOf[i]}][${j}]` };
  return { labels, scores, names };
}

function labelColumnMetrics(label: string, col: LabelColumn): LabelMetrics {
  const n = col.labels.length;
  if (n === 0) {
    const reason = 'AUROC and AUPRC are undefined: every entry is masked';
    return { label, n, positives: 0, negatives: 0, auroc: null, auprc: null, averagePrecision: null, reason };
  }
  const split = splitByClass(col.labels, col.scores, col.names);
  const positives = split.positives.length;
  const negatives = split.negatives.length;
  const prCause = undefinedCause(positives, negatives, false);
  if (prCause !== undefined) {
    const reason = `AUROC and AUPRC are undefined: ${prCause}`;
    return { label, n, positives, negatives, auroc: null, auprc: null, averagePrecision: null, reason };
  }
  const areas = rankingAreas(split);
  const result: LabelMetrics = {
    label,
    n,
    positives,
    negatives,
    auroc: negatives > 0 ? areas.auroc : null,
    auprc: areas.auprcTrapezoid,
    averagePrecision: areas.averagePrecision,
  };
  if (negatives === 0) result.reason = `AUROC is undefined: ${undefinedCause(positives, negatives, true)}`;
  return result;
}
