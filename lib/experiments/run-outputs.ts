/**
 * What every kind of run does around its training: the data checked against the plan, the test metrics with
 * bootstrap CIs, the stored per-item scores and the provenance. Fine-tuning (execute.ts) and the linear probe
 * (probe-run.ts) build their records from these.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getBackendInfo } from '../backend/index';
import { PIPELINE_VERSION, type DatasetItem } from '../data/index';
import { DataError } from '../errors';
import { bootstrapCI } from '../metrics/index';
import type { WeightsInfo } from '../models/weights/sources';
import { labelColumn, labelMetrics, type Predictions } from '../train/evaluate';
import { deriveSeed } from '../util/random';
import { chooseSplit, idsHash, labelCounts, loadDatasetCached, trainingSubset } from './data-plan';
import { assertPlannedImages } from './data-identity';
import { scoreOfLogit } from './store-lines';
import type { Provenance, RunRecord, RunSpec, TestMetrics } from './types';

/** Largest test set (items x labels) whose per-item scores are kept in the record. */
export const MAX_STORED_SCORES = 20_000;

let gitInfo: { commit: string | null; dirty: boolean | null } | undefined;
function git(): { commit: string | null; dirty: boolean | null } {
  if (!gitInfo) {
    const cwd = path.resolve(__dirname, '..', '..');
    try {
      const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      gitInfo = { commit, dirty: status.trim().length > 0 };
    } catch {
      gitInfo = { commit: null, dirty: null };
    }
  }
  return gitInfo;
}

function ci(labels: number[], scores: number[], metric: 'auroc' | 'auprc', seed: number, nBoot: number): { lower: number; upper: number } | null {
  try {
    const r = bootstrapCI(labels, scores, metric, { seed, nBoot });
    return { lower: r.lower, upper: r.upper };
  } catch {
    return null;
  }
}

export function testMetrics(p: Predictions, labelNames: string[], seed: number, nBoot: number): TestMetrics[] {
  return labelMetrics(p, labelNames).map((m, j) => {
    if (m.auroc === null) return { ...m, aurocCI: null, auprcCI: null };
    // Logits, like the metrics themselves (labelColumn): the sigmoid's float32 saturation would create ties.
    const { labels, scores } = labelColumn(p, j);
    return {
      ...m,
      aurocCI: ci(labels, scores, 'auroc', deriveSeed(seed, 'ci', j, 'auroc'), nBoot),
      auprcCI: ci(labels, scores, 'auprc', deriveSeed(seed, 'ci', j, 'auprc'), nBoot),
    };
  });
}

export type RunBase = Pick<RunRecord, 'schema' | 'configHash' | 'config' | 'grid' | 'cellName' | 'seed' | 'startedAt'>;

/** The run's data, checked against what was planned: a changed dataset or split is an error, not a silent rerun. */
export async function runData(spec: RunSpec) {
  const { config } = spec;
  const dataset = await loadDatasetCached(spec.dataset);
  if (dataset.contentHash !== config.dataset.contentHash) {
    throw new DataError(`dataset '${dataset.id}' changed since the run was planned (content hash ${dataset.contentHash} != ${config.dataset.contentHash})`);
  }
  assertPlannedImages(dataset, spec);
  const { splits } = chooseSplit(dataset);
  if (splits.hash !== config.split.hash) {
    throw new DataError(`split of '${dataset.id}' differs from the planned one (${splits.hash} != ${config.split.hash})`);
  }
  const trainItems = trainingSubset(splits, config.fractionLadder, config.fraction, config.seed, dataset.labelNames);
  return { dataset, splits, trainItems };
}

export type RunData = Awaited<ReturnType<typeof runData>>;

export function provenanceOf(data: RunData, weights: WeightsInfo | null, params: number, inputSize: number): Provenance {
  const { dataset, splits, trainItems } = data;
  const counts = (items: DatasetItem[]) => ({ items: items.length, positives: labelCounts(items, dataset.labelNames.length).positives });
  const backend = getBackendInfo();
  const g = git();
  return {
    gitCommit: g.commit,
    gitDirty: g.dirty,
    backend: backend
      ? { backend: backend.backend, package: backend.package, version: backend.version, threads: backend.threads, ...(backend.isa ? { isa: backend.isa } : {}) }
      : null,
    tfjsVersion: tf.version.tfjs ?? tf.version_core,
    node: process.version,
    host: { platform: `${os.platform()}-${os.arch()}`, cpus: os.cpus().length },
    dataset: {
      id: dataset.id,
      title: dataset.title,
      contentHash: dataset.contentHash,
      synthetic: dataset.synthetic,
      splitHash: splits.hash,
      trainSubsetHash: idsHash(trainItems),
      counts: { train: counts(trainItems), val: counts(splits.val), test: counts(splits.test) },
      imagesHash: dataset.imagesHash ?? null,
      ...(dataset.skipped.length > 0 ? { skipped: dataset.skipped } : {}),
    },
    weights: weights ? { source: weights.source, title: weights.title, sha256: weights.sha256, caveats: weights.caveats } : null,
    model: { inputSize, params },
    imagePipelineVersion: PIPELINE_VERSION,
  };
}

/** Per-item test scores for small test sets (curves, pooled CIs). */
export function storedScores(predictions: Predictions): RunRecord['testScores'] {
  if (predictions.scores.length > MAX_STORED_SCORES) return undefined;
  const allCount = predictions.mask.every((m) => m === 1);
  return {
    ids: predictions.ids,
    labels: Array.from(predictions.labels),
    // Derived from the logits as the store derives them on reading (store-lines.ts), so a record reads back
    // exactly as it was written.
    scores: Array.from(predictions.logits, scoreOfLogit),
    // Full float32 logits: rounding them (or using the saturating probabilities) would create ties that
    // change pooled CIs and curves.
    logits: Array.from(predictions.logits),
    ...(allCount ? {} : { mask: Array.from(predictions.mask) }),
  };
}

/** Seconds since the run started, from the monotonic clock (a wall-clock jump must not bend durations). */
export type Elapsed = () => number;

