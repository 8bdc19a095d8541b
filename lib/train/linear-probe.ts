/**
 * The linear probe: an ImageNet backbone frozen, its pooled features computed once, and only a linear classifier
 * trained on them (Kermany et al. 2018's method, and the standard baseline for what pretrained features carry).
 * The classifier is L2-regularised logistic regression per label on standardised features (train-set mean and
 * standard deviation), fitted to convergence for each C of a grid; the C with the best validation score (the
 * profile's selection metric) is kept. Probing after each stage answers the truncation question for frozen
 * features.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import type { BatchSource } from '../data/types';
import { inputTensor, microBatches } from './batches';
import { bceLoss, labelMetrics, meanDefined, type Predictions } from './evaluate';
import { fitLogisticRegression, logisticDecision, type LogisticFit } from './logistic-regression';
import type { EvalLabelMetrics, SelectionMetric } from './types';

/** Rows of pooled features with their items' labels (row-major [items, dim]). */
export interface FeatureMatrix {
  ids: string[];
  dim: number;
  values: Float32Array;
  numLabels: number;
  /** Row-major [items, labels]. */
  labels: Float32Array;
  /** Row-major [items, labels], 1 = counts. */
  mask: Float32Array;
}

/** C grid: 1e-6 ... 1e2. Small C (strong L2) is what few training images need; the validation set chooses. */
export const PROBE_C_GRID: readonly number[] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100];

/**
 * One forward pass per batch in inference mode through a model with pooled outputs (models/surgery
 * `pooledFeatures`): one FeatureMatrix per output, rows in the source's order.
 */
export async function extractPooledFeatures(
  extractor: tf.LayersModel,
  source: BatchSource,
  options: { microBatchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<FeatureMatrix[]> {
  const dims = extractor.outputs.map((o) => o.shape[o.shape.length - 1] as number);
  const chunks: Float32Array[][] = dims.map(() => []);
  const ids: string[] = [];
  const labels: number[] = [];
  const mask: number[] = [];
  for await (const batch of source.batches(0)) {
    for (const micro of microBatches(batch, options.microBatchSize ?? batch.size)) {
      const outputs = tf.tidy(() => {
        const out = extractor.apply(inputTensor(micro), { training: false }) as tf.Tensor | tf.Tensor[];
        return Array.isArray(out) ? out : [out];
      });
      for (let k = 0; k < outputs.length; k++) chunks[k]!.push(Float32Array.from(outputs[k]!.dataSync()));
      tf.dispose(outputs);
      ids.push(...micro.ids);
      labels.push(...micro.y);
      mask.push(...(micro.mask ?? new Array<number>(micro.y.length).fill(1)));
    }
    options.onProgress?.(ids.length, source.numItems);
  }
  return dims.map((dim, k) => {
    const values = new Float32Array(ids.length * dim);
    let offset = 0;
    for (const c of chunks[k]!) {
      values.set(c, offset);
      offset += c.length;
    }
    return { ids: [...ids], dim, values, numLabels: source.numLabels, labels: Float32Array.from(labels), mask: Float32Array.from(mask) };
  });
}

/** The rows of `m` for `ids`, in that order; an id missing from `m` is an error. */
export function selectRows(m: FeatureMatrix, ids: string[]): FeatureMatrix {
  const index = new Map(m.ids.map((id, i) => [id, i]));
  const values = new Float32Array(ids.length * m.dim);
  const labels = new Float32Array(ids.length * m.numLabels);
  const mask = new Float32Array(ids.length * m.numLabels);
  ids.forEach((id, r) => {
    const i = index.get(id);
    if (i === undefined) throw new ConfigError(`features: no row for item "${id}"`, { key: id });
    values.set(m.values.subarray(i * m.dim, (i + 1) * m.dim), r * m.dim);
    labels.set(m.labels.subarray(i * m.numLabels, (i + 1) * m.numLabels), r * m.numLabels);
    mask.set(m.mask.subarray(i * m.numLabels, (i + 1) * m.numLabels), r * m.numLabels);
  });
  return { ids: [...ids], dim: m.dim, values, numLabels: m.numLabels, labels, mask };
}

export interface Standardization {
  mean: Float64Array;
  /** Standard deviation with a floor, so a constant feature maps to 0 instead of dividing by 0. */
  std: Float64Array;
}

export function fitStandardization(m: FeatureMatrix): Standardization {
  const n = m.ids.length;
  const mean = new Float64Array(m.dim);
  const sq = new Float64Array(m.dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < m.dim; j++) mean[j] += m.values[i * m.dim + j]!;
  for (let j = 0; j < m.dim; j++) mean[j] /= Math.max(1, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m.dim; j++) {
      const v = m.values[i * m.dim + j]! - mean[j]!;
      sq[j] += v * v;
    }
  }
  const std = sq.map((s) => Math.max(Math.sqrt(s / Math.max(1, n)), 1e-6));
  return { mean, std };
}

export function standardize(m: FeatureMatrix, s: Standardization): Float32Array {
  const out = new Float32Array(m.values.length);
  for (let i = 0; i < out.length; i++) {
    const j = i % m.dim;
    out[i] = (m.values[i]! - s.mean[j]!) / s.std[j]!;
  }
  return out;
}

export interface ProbeCurvePoint {
  C: number;
  valLoss: number;
  valMeanAuroc: number | null;
  valMeanAuprc: number | null;
  val: EvalLabelMetrics[];
  /** L-BFGS iterations per label, and whether each converged. */
  iterations: number[];
  converged: boolean[];
}

export interface LinearProbe {
  standardization: Standardization;
  /** The chosen C and its per-label fits. */
  C: number;
  fits: LogisticFit[];
  /** Validation results for every C tried, in grid order. */
  curve: ProbeCurvePoint[];
  selectBy: SelectionMetric;
}

/** Logits of the probe for the rows of `m`, as the evaluation code's Predictions. */
export function probePredictions(standardized: Float32Array, m: FeatureMatrix, fits: Array<Pick<LogisticFit, 'weights' | 'intercept'>>): Predictions {
  const logits = new Float32Array(m.ids.length * m.numLabels);
  fits.forEach((fit, k) => {
    const z = logisticDecision(fit, standardized, m.dim);
    for (let i = 0; i < z.length; i++) logits[i * m.numLabels + k] = z[i]!;
  });
  const scores = logits.map((z) => 1 / (1 + Math.exp(-z)));
  return { ids: m.ids, numLabels: m.numLabels, logits, scores, labels: m.labels, mask: m.mask };
}

function labelColumn(m: FeatureMatrix, k: number): { y: number[]; weight: Float64Array } {
  const n = m.ids.length;
  const y = new Array<number>(n);
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = m.labels[i * m.numLabels + k]!;
    weight[i] = m.mask[i * m.numLabels + k]!;
  }
  return { y, weight };
}

function isBetter(point: ProbeCurvePoint, best: ProbeCurvePoint | null, selectBy: SelectionMetric): boolean {
  if (best === null) return true;
  if (selectBy === 'val-loss') return point.valLoss < best.valLoss;
  return (point.valMeanAuprc ?? -Infinity) > (best.valMeanAuprc ?? -Infinity);
}

export interface FitProbeOptions {
  labelNames: string[];
  selectBy: SelectionMetric;
  Cs?: readonly number[];
  /** Called after each C with its validation result (progress). */
  onPoint?: (point: ProbeCurvePoint, index: number, total: number) => void;
}

/** Fits the probe on `train` for every C (ascending, warm-started) and keeps the C that validates best. */
export function fitLinearProbe(train: FeatureMatrix, val: FeatureMatrix, options: FitProbeOptions): LinearProbe {
  if (train.dim !== val.dim) throw new ConfigError(`linear probe: train features have ${train.dim} dims, val ${val.dim}`, { field: 'val' });
  const Cs = [...(options.Cs ?? PROBE_C_GRID)].sort((a, b) => a - b);
  const standardization = fitStandardization(train);
  const xTrain = standardize(train, standardization);
  const xVal = standardize(val, standardization);
  const columns = options.labelNames.map((_, k) => labelColumn(train, k));
  let previous: LogisticFit[] | null = null;
  let best: { point: ProbeCurvePoint; fits: LogisticFit[] } | null = null;
  const curve: ProbeCurvePoint[] = [];
  Cs.forEach((C, index) => {
    const fits = columns.map(({ y, weight }, k) => {
      const warm = previous?.[k];
      return fitLogisticRegression(xTrain, y, train.dim, {
        C,
        sampleWeight: weight,
        ...(warm ? { initial: Float64Array.from([...warm.weights, warm.intercept]) } : {}),
      });
    });
    previous = fits;
    const predictions = probePredictions(xVal, val, fits);
    const metrics = labelMetrics(predictions, options.labelNames);
    const point: ProbeCurvePoint = {
      C,
      valLoss: bceLoss(predictions),
      valMeanAuroc: meanDefined(metrics.map((m) => m.auroc)),
      valMeanAuprc: meanDefined(metrics.map((m) => m.auprc)),
      val: metrics,
      iterations: fits.map((f) => f.iterations),
      converged: fits.map((f) => f.converged),
    };
    curve.push(point);
    options.onPoint?.(point, index, Cs.length);
    if (isBetter(point, best?.point ?? null, options.selectBy)) best = { point, fits };
  });
  const chosen = best as unknown as { point: ProbeCurvePoint; fits: LogisticFit[] };
  return { standardization, C: chosen.point.C, fits: chosen.fits, curve, selectBy: options.selectBy };
}

/** The probe's predictions for a feature matrix (standardised with the training statistics). */
export function predictLinearProbe(probe: LinearProbe, m: FeatureMatrix): Predictions {
  return probePredictions(standardize(m, probe.standardization), m, probe.fits);
}
