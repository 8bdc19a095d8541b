/**
 * One run, start to finish, in the current process: data, model, training (resumable), test-set evaluation
 * with bootstrap CIs, and the record with its provenance. The backend must already be initialised.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getBackendInfo } from '../backend/index';
import { createBatchSource, PIPELINE_VERSION, type DatasetItem } from '../data/index';
import { DataError } from '../errors';
import { bootstrapCI } from '../metrics/index';
import { countParams } from '../models/params';
import type { WeightsInfo } from '../models/weights/sources';
import { clearTrainingState } from '../train/checkpoint';
import { labelColumn, labelMetrics, predict, type Predictions } from '../train/evaluate';
import { train } from '../train/loop';
import type { TrainProgressEvent } from '../train/types';
import { deriveSeed } from '../util/random';
import { chooseSplit, idsHash, labelCounts, loadDatasetCached, trainingSubset } from './data-plan';
import { assertPlannedImages } from './data-identity';
import { buildModel, checkAvailability } from './model-factory';
import { trainingSettings } from './run-config';
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

function testMetrics(p: Predictions, labelNames: string[], seed: number, nBoot: number): TestMetrics[] {
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

export interface ExecuteRunOptions {
  onProgress?: (event: TrainProgressEvent) => void;
  /** Bootstrap replicates for the test CIs. */
  bootstrap: number;
}

type RunBase = Pick<RunRecord, 'schema' | 'configHash' | 'config' | 'grid' | 'cellName' | 'seed' | 'startedAt'>;

/** The run's data, checked against what was planned: a changed dataset or split is an error, not a silent rerun. */
async function runData(spec: RunSpec) {
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

type RunData = Awaited<ReturnType<typeof runData>>;

function provenanceOf(data: RunData, weights: WeightsInfo | null, model: tf.LayersModel, inputSize: number): Provenance {
  const { dataset, splits, trainItems } = data;
  const counts = (items: DatasetItem[]) => ({ items: items.length, positives: labelCounts(items, dataset.labelNames.length).positives });
  const backend = getBackendInfo();
  const g = git();
  return {
    gitCommit: g.commit,
    gitDirty: g.dirty,
    backend: backend ? { backend: backend.backend, package: backend.package, version: backend.version, threads: backend.threads } : null,
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
    model: { inputSize, params: countParams(model) },
    imagePipelineVersion: PIPELINE_VERSION,
  };
}

/** Per-item test scores for small test sets (curves, pooled CIs). */
function storedScores(predictions: Predictions): RunRecord['testScores'] {
  if (predictions.scores.length > MAX_STORED_SCORES) return undefined;
  const allCount = predictions.mask.every((m) => m === 1);
  return {
    ids: predictions.ids,
    labels: Array.from(predictions.labels),
    scores: Array.from(predictions.scores, (v) => Number(v.toPrecision(7))),
    // Full float32 logits: rounding them (or using the saturating probabilities) would create ties that
    // change pooled CIs and curves.
    logits: Array.from(predictions.logits),
    ...(allCount ? {} : { mask: Array.from(predictions.mask) }),
  };
}

/** Seconds since the run started, from the monotonic clock (a wall-clock jump must not bend durations). */
type Elapsed = () => number;

async function trainAndTest(spec: RunSpec, data: RunData, weights: WeightsInfo | null, options: ExecuteRunOptions, base: RunBase, elapsed: Elapsed): Promise<RunRecord> {
  const { config } = spec;
  const { dataset, splits, trainItems } = data;
  const pipeline = config.pipeline;
  const t = trainingSettings(config.training);
  const evalOptions = { batchSize: t.microBatchSize, shuffle: false, seed: 0, pipeline, augment: false } as const;
  const model = await buildModel(config.cell.model, config.cell.init, {
    numClasses: dataset.labelNames.length,
    inputSize: pipeline.size,
    seed: deriveSeed(config.seed, 'init'),
    weights,
    paths: spec.weightsPaths,
  });
  try {
    const result = await train({
      model,
      train: createBatchSource(dataset, trainItems, { batchSize: t.batchSize, shuffle: true, seed: config.seed, pipeline, dropLast: false }),
      val: createBatchSource(dataset, splits.val, evalOptions),
      labelNames: dataset.labelNames,
      epochs: t.epochs,
      microBatchSize: t.microBatchSize,
      optimizer: t.optimizer,
      plateau: t.plateau,
      earlyStopping: t.earlyStopping,
      stopBelowLr: t.stopBelowLr,
      selectBy: t.selectBy,
      checkpointDir: spec.checkpointDir,
      fingerprint: spec.configHash,
      seed: config.seed,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const predictions = await predict(model, createBatchSource(dataset, splits.test, evalOptions), { microBatchSize: t.microBatchSize });
    return {
      ...base,
      status: 'ok',
      finishedAt: new Date().toISOString(),
      // Earlier processes' time up to their last checkpoint counts too: a resumed run's wall time is the whole run's.
      wallSeconds: elapsed() + result.priorSeconds,
      test: testMetrics(predictions, dataset.labelNames, config.seed, options.bootstrap),
      bestEpoch: result.bestEpoch,
      stopReason: result.stopReason,
      resumedFromEpoch: result.resumedFromEpoch,
      curve: result.history,
      provenance: provenanceOf(data, weights, model, pipeline.size),
      ...(storedScores(predictions) ? { testScores: storedScores(predictions) } : {}),
    };
  } finally {
    model.dispose();
  }
}

/** One run to its record: 'ok' with metrics and provenance, 'unavailable' with the reason, or 'failed' with the error. */
export async function executeRun(spec: RunSpec, options: ExecuteRunOptions): Promise<RunRecord> {
  const { config } = spec;
  const clock = performance.now();
  const elapsed: Elapsed = () => (performance.now() - clock) / 1000;
  const base: RunBase = {
    schema: 1,
    configHash: spec.configHash,
    config,
    grid: spec.grid,
    cellName: spec.cellName,
    seed: config.seed,
    startedAt: new Date().toISOString(),
  };
  try {
    const data = await runData(spec);
    const availability = await checkAvailability(config.cell.model, config.cell.init, spec.weightsPaths, spec.tlSource ?? 'imagenet');
    if (availability.available === false) {
      return { ...base, status: 'unavailable', finishedAt: new Date().toISOString(), wallSeconds: 0, reason: availability.reason };
    }
    return await trainAndTest(spec, data, availability.weights, options, base, elapsed);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      ...base,
      status: 'failed',
      finishedAt: new Date().toISOString(),
      wallSeconds: elapsed(),
      error: { name: e.name, message: e.message },
    };
  }
}

/** Called once the record is safely stored: the run's resumable state is no longer needed. */
export function discardRunState(spec: RunSpec): void {
  clearTrainingState(spec.checkpointDir);
}
