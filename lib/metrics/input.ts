/**
 * Input checking shared by every metric, and the split of scores by class that all of them start from.
 * One pass over the input both validates it and copies it into float64 storage the sort can own, so the
 * caller's arrays are never mutated.
 */
import { MetricInputError } from '../errors';

/** Any array of numbers: number[], Float32Array, Float64Array, Uint8Array, ... */
export type NumericArray = ArrayLike<number>;

/** Scores split by class. Both are views into one buffer of length positives + negatives. */
export interface ClassScores {
  positives: Float64Array;
  negatives: Float64Array;
}

/** How to name things in error messages; lets the multi-label helper report `scores[17][2]` and the label. */
export interface InputNames {
  /** Message prefix: the function, and the label when known. */
  context: string;
  labels: string;
  scores: string;
  /** Text for element i of labels/scores, e.g. "[17]". */
  index(i: number): string;
}

export function plainNames(context: string): InputNames {
  return { context, labels: 'labels', scores: 'scores', index: (i) => `[${i}]` };
}

function describeValue(value: unknown): string {
  return typeof value === 'number' ? String(value) : `${String(value)} (${typeof value})`;
}

function requireArrayLike(value: unknown, field: string, names: InputNames): asserts value is NumericArray {
  const ok =
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { length?: unknown }).length === 'number';
  if (!ok) {
    throw new MetricInputError(`${names.context}: ${field} must be an array of numbers, got ${describeValue(value)}`, {
      field,
    });
  }
}

/**
 * Validates labels (exactly 0 or 1) and scores (finite numbers) of equal, non-zero length, and returns the
 * scores split by class. Throws MetricInputError naming the first bad element.
 */
export function splitByClass(labels: NumericArray, scores: NumericArray, names: InputNames): ClassScores {
  requireArrayLike(labels, names.labels, names);
  requireArrayLike(scores, names.scores, names);
  const n = scores.length;
  if (labels.length !== n) {
    throw new MetricInputError(
      `${names.context}: ${names.labels} has length ${labels.length} but ${names.scores} has length ${n}`,
      { field: names.labels, labelsLength: labels.length, scoresLength: n },
    );
  }
  if (n === 0) {
    throw new MetricInputError(`${names.context}: ${names.labels} and ${names.scores} are empty`, {
      field: names.scores,
    });
  }

  // Positives fill the buffer from the front, negatives from the back: one allocation, one pass.
  const buffer = new Float64Array(n);
  let nextPositive = 0;
  let nextNegative = n - 1;
  for (let i = 0; i < n; i++) {
    const s = scores[i]!;
    // s - s is 0 exactly for finite numbers, NaN for NaN and +-Infinity (and for non-numbers that coerce badly).
    if (typeof s !== 'number' || s - s !== 0) {
      throw new MetricInputError(
        `${names.context}: ${names.scores}${names.index(i)} is ${describeValue(s)}; scores must be finite numbers`,
        { field: names.scores, index: i, value: s },
      );
    }
    const y = labels[i];
    if (y === 1) {
      buffer[nextPositive++] = s;
    } else if (y === 0) {
      buffer[nextNegative--] = s;
    } else {
      throw new MetricInputError(
        `${names.context}: ${names.labels}${names.index(i)} is ${describeValue(y)}; labels must be 0 or 1`,
        { field: names.labels, index: i, value: y },
      );
    }
  }
  return { positives: buffer.subarray(0, nextPositive), negatives: buffer.subarray(nextPositive) };
}

/** What a metric needs of the class counts to be defined. */
export interface ClassRequirement {
  /** Name used in messages, e.g. "AUROC". */
  metric: string;
  needsNegatives: boolean;
}

/** Why a metric is undefined for these class counts ("no positive labels among 12 (all are 0)"), or undefined. */
export function undefinedCause(positives: number, negatives: number, needsNegatives: boolean): string | undefined {
  const n = positives + negatives;
  if (n === 0) return 'no samples';
  if (positives === 0) return `no positive labels among ${n} (all are 0)`;
  if (needsNegatives && negatives === 0) return `no negative labels among ${n} (all are 1)`;
  return undefined;
}

export function requireClasses(split: ClassScores, names: InputNames, req: ClassRequirement): void {
  const cause = undefinedCause(split.positives.length, split.negatives.length, req.needsNegatives);
  if (cause !== undefined) {
    throw new MetricInputError(`${names.context}: ${req.metric} is undefined: ${cause}`, {
      field: names.labels,
      positives: split.positives.length,
      negatives: split.negatives.length,
    });
  }
}
