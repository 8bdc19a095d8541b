/**
 * Evaluation: model scores over a batch source, BCE loss, and per-label AUROC / AUPRC (both area methods),
 * honouring label masks (an uncertain label under U-Ignore counts for neither loss nor metrics).
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchSource } from '../data/types';
import { multiLabelMetrics } from '../metrics/multilabel';
import { MetricInputError } from '../errors';
import { inputTensor, microBatches } from './batches';
import type { EvalLabelMetrics } from './types';

export interface Predictions {
  ids: string[];
  numLabels: number;
  /** Row-major [items, labels] logits: what every ranking metric is computed from (see `labelColumn`). */
  logits: Float32Array;
  /** sigmoid(logits), as probabilities for display; saturates to exactly 0 or 1 in float32 beyond |z| ≈ 17. */
  scores: Float32Array;
  labels: Float32Array;
  /** 1 = counts; all ones when the source has no masks. */
  mask: Float32Array;
}

/** Forward passes in inference mode (BatchNorm uses running statistics, dropout off). */
export async function predict(
  model: tf.LayersModel,
  source: BatchSource,
  options: { microBatchSize?: number; epoch?: number } = {},
): Promise<Predictions> {
  const ids: string[] = [];
  const logitChunks: Float32Array[] = [];
  const labelChunks: Float32Array[] = [];
  const maskChunks: Float32Array[] = [];
  for await (const batch of source.batches(options.epoch ?? 0)) {
    for (const micro of microBatches(batch, options.microBatchSize ?? batch.size)) {
      const logits = tf.tidy(() => {
        const output = model.apply(inputTensor(micro), { training: false }) as tf.Tensor;
        return output.reshape([micro.size, -1]);
      });
      const values = (await logits.data()) as Float32Array;
      logits.dispose();
      ids.push(...micro.ids);
      logitChunks.push(Float32Array.from(values));
      labelChunks.push(Float32Array.from(micro.y));
      maskChunks.push(micro.mask ? Float32Array.from(micro.mask) : new Float32Array(micro.y.length).fill(1));
    }
  }
  const concat = (chunks: Float32Array[]): Float32Array => {
    const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  };
  const logits = concat(logitChunks);
  const labels = concat(labelChunks);
  const numLabels = ids.length === 0 ? source.numLabels : logits.length / ids.length;
  const scores = logits.map((z) => 1 / (1 + Math.exp(-z)));
  return { ids, numLabels, logits, scores, labels, mask: concat(maskChunks) };
}

/** Mean BCE-with-logits over counted entries, in double precision; NaN when nothing counts. */
export function bceLoss(p: Predictions, posWeight?: number[]): number {
  let sum = 0;
  let count = 0;
  const softplus = (z: number): number => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  for (let i = 0; i < p.logits.length; i++) {
    if (p.mask[i] === 0) continue;
    const z = p.logits[i]!;
    const y = p.labels[i]!;
    const w = posWeight ? posWeight[i % p.numLabels]! : 1;
    sum += w * y * softplus(-z) + (1 - y) * softplus(z);
    count += 1;
  }
  return count === 0 ? Number.NaN : sum / count;
}

/**
 * The counted (labels, scores) of one label, where the scores are the LOGITS. AUROC, AUPRC and AP depend only on
 * the order of the scores, and the sigmoid keeps that order, but float32 sigmoid outputs collapse to exactly 1
 * (or 0) once |logit| passes about 17: a confident model's positives then tie, and a model whose every output
 * saturates scores AUROC 0.5 and trapezoidal AUPRC (1 + prevalence) / 2 whatever its ranking. Logits never tie
 * that way, so validation-based model selection and test metrics see the model's real ranking.
 */
export function labelColumn(p: Predictions, label: number): { labels: number[]; scores: number[] } {
  const labels: number[] = [];
  const scores: number[] = [];
  for (let row = 0; row < p.ids.length; row++) {
    const i = row * p.numLabels + label;
    if (p.mask[i] === 0) continue;
    labels.push(p.labels[i]!);
    scores.push(p.logits[i]!);
  }
  return { labels, scores };
}

/**
 * AUROC, trapezoidal AUPRC and AP per label (lib/metrics `multiLabelMetrics` on each label's counted logits). A
 * label whose counted items lack positives or negatives gets nulls and a note, and so does a label whose scores
 * are not finite: one degenerate label must not void a run's other labels, nor pick an epoch.
 */
export function labelMetrics(p: Predictions, labelNames: string[]): EvalLabelMetrics[] {
  return labelNames.map((label, j) => {
    const column = labelColumn(p, j);
    const positives = column.labels.filter((y) => y === 1).length;
    const negatives = column.labels.length - positives;
    const base = { label, positives, negatives };
    if (positives === 0 || negatives === 0) {
      return { ...base, auroc: null, auprc: null, ap: null, note: `${positives} positives and ${negatives} negatives counted` };
    }
    try {
      const [m] = multiLabelMetrics(column.labels.map((y) => [y]), column.scores.map((z) => [z]), { labelNames: [label] });
      return { ...base, auroc: m!.auroc, auprc: m!.auprc, ap: m!.averagePrecision };
    } catch (error) {
      if (error instanceof MetricInputError) {
        return { ...base, auroc: null, auprc: null, ap: null, note: error.message };
      }
      throw error;
    }
  });
}

/** Mean of the non-null values; null when there are none. */
export function meanDefined(values: Array<number | null>): number | null {
  const defined = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return defined.length === 0 ? null : defined.reduce((a, b) => a + b, 0) / defined.length;
}
