/**
 * Areas under the ROC and PR curves, accumulated during the threshold walk (no curve arrays built; see
 * counts.ts for the formulas).
 */
import { MetricInputError } from '../errors';
import { rankingAreas } from './counts';
import type { NumericArray } from './input';
import { plainNames, requireClasses, splitByClass } from './input';

/**
 * How AUPRC is computed.
 * - 'trapezoid': `sklearn.metrics.auc(recall, precision)` on the precision_recall_curve points, i.e. linear
 *   interpolation between them. This is what the paper's code reports (paper/paper-facts.md §6).
 * - 'average-precision': `sklearn.metrics.average_precision_score`, the step-wise sum
 *   sum_k (R_k - R_{k-1}) P_k, which does not interpolate (and is not optimistic under imbalance).
 */
export type AuprcMethod = 'trapezoid' | 'average-precision';

export const AUPRC_METHODS: readonly AuprcMethod[] = ['trapezoid', 'average-precision'];

/**
 * Area under the ROC curve: `sklearn.metrics.roc_auc_score(labels, scores)`, ties counted as 1/2.
 * Throws MetricInputError on bad input, no positives or no negatives.
 */
export function auroc(labels: NumericArray, scores: NumericArray): number {
  const names = plainNames('auroc');
  const split = splitByClass(labels, scores, names);
  requireClasses(split, names, { metric: 'AUROC', needsNegatives: true });
  return rankingAreas(split).auroc;
}

export function requireAuprcMethod(method: unknown, context: string): AuprcMethod {
  if (method === 'trapezoid' || method === 'average-precision') return method;
  throw new MetricInputError(
    `${context}: method must be ${AUPRC_METHODS.map((m) => `'${m}'`).join(' or ')}, got ${JSON.stringify(method)}`,
    { field: 'method', value: method },
  );
}

/**
 * Area under the precision-recall curve (see AuprcMethod). Defined without negatives (it is then 1);
 * throws MetricInputError on bad input or no positives.
 */
export function auprc(labels: NumericArray, scores: NumericArray, method: AuprcMethod = 'trapezoid'): number {
  const names = plainNames('auprc');
  const checked = requireAuprcMethod(method, names.context);
  const split = splitByClass(labels, scores, names);
  requireClasses(split, names, { metric: 'AUPRC', needsNegatives: false });
  const areas = rankingAreas(split);
  return checked === 'trapezoid' ? areas.auprcTrapezoid : areas.averagePrecision;
}

/** `sklearn.metrics.average_precision_score`; same as `auprc(labels, scores, 'average-precision')`. */
export function averagePrecision(labels: NumericArray, scores: NumericArray): number {
  const names = plainNames('averagePrecision');
  const split = splitByClass(labels, scores, names);
  requireClasses(split, names, { metric: 'average precision', needsNegatives: false });
  return rankingAreas(split).averagePrecision;
}
