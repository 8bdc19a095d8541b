/**
 * Ranking metrics for binary and multi-label classifiers, with scikit-learn's semantics (golden-tested):
 * ROC and PR curves, AUROC, AUPRC (trapezoid as in the paper's code, or average precision), a per-label
 * helper with U-Ignore masks, and a seeded, stratified bootstrap confidence interval.
 */
export type { NumericArray } from './input';
export type { RocCurve, PrCurve } from './curves';
export { rocCurve, prCurve } from './curves';
export type { AuprcMethod } from './areas';
export { AUPRC_METHODS, auroc, auprc, averagePrecision } from './areas';
export type { NumericMatrix, MultiLabelOptions, LabelMetrics } from './multilabel';
export { multiLabelMetrics } from './multilabel';
export type { MetricName, MetricFunction, BootstrapOptions, BootstrapResult } from './bootstrap';
export { bootstrapCI } from './bootstrap';
