/**
 * One run, start to finish, in the current process: data, model, training (resumable), test-set evaluation
 * with bootstrap CIs, and the record with its provenance. The backend must already be initialised.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getBackendInfo } from '../backend/index';
import { createBatchSource, PIPELINE_VERSION, type ImagePipelineOptions } from '../data/index';
import { DataError } from '../errors';
import { bootstrapCI } from '../metrics/index';
import { countParams } from '../models/index';
import { clearTrainingState } from '../train/checkpoint';
import { labelColumn, labelMetrics, predict, type Predictions } from '../train/evaluate';
import { train } from '../train/loop';
import type { TrainProgressEvent } from '../train/types';
import { deriveSeed } from '../util/random';
import { chooseSplit, idsHash, labelCounts, loadDatasetCached, trainingSubset } from './data-plan';
import { buildModel, checkAvailability } from './model-factory';
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

export async function executeRun(spec: RunSpec, options: ExecuteRunOptions): Promise<RunRecord> {
  const started = new Date();
  const { config } = spec;
  const base = {
    schema: 1 as const,
    configHash: spec.configHash,
    config,
    grid: spec.grid,
    cellName: spec.cellName,
    seed: config.seed,
    startedAt: started.toISOString(),
  };
  let model: tf.LayersModel | null = null;
  try {
    const dataset = await loadDatasetCached(spec.dataset);
    if (dataset.contentHash !== config.dataset.contentHash) {
      throw new DataError(`dataset '${dataset.id}' changed since the run was planned (content hash ${dataset.contentHash} != ${config.dataset.contentHash})`);
    }
    const { splits } = chooseSplit(dataset);
    if (splits.hash !== config.split.hash) {
      throw new DataError(`split of '${dataset.id}' differs from the planned one (${splits.hash} != ${config.split.hash})`);
    }
    const trainItems = trainingSubset(splits, config.fractionLadder, config.fraction, config.seed, dataset.labelNames);
    const availability = await checkAvailability(config.cell.model, config.cell.init, spec.weightsPaths);
    if (availability.available === false) {
      return { ...base, status: 'unavailable', finishedAt: new Date().toISOString(), wallSeconds: 0, reason: availability.reason };
    }
    const pipeline: ImagePipelineOptions = config.pipeline;
    const t = config.training;
    const trainSource = createBatchSource(dataset, trainItems, { batchSize: t.batchSize, shuffle: true, seed: config.seed, pipeline, dropLast: false });
    const evalOptions = { batchSize: t.microBatchSize, shuffle: false, seed: 0, pipeline, augment: false } as const;
    const valSource = createBatchSource(dataset, splits.val, evalOptions);
    const testSource = createBatchSource(dataset, splits.test, evalOptions);

    model = await buildModel(config.cell.model, config.cell.init, {
      numClasses: dataset.labelNames.length,
      inputSize: pipeline.size,
      seed: deriveSeed(config.seed, 'init'),
      weights: availability.weights,
      ...(spec.weightsPaths.kerasCacheDir ? { kerasCacheDir: spec.weightsPaths.kerasCacheDir } : {}),
    });
    const result = await train({
      model,
      train: trainSource,
      val: valSource,
      labelNames: dataset.labelNames,
      epochs: t.epochs,
      microBatchSize: t.microBatchSize,
      optimizer: t.optimizer,
      plateau: t.plateau,
      ...(t.earlyStopping ? { earlyStopping: t.earlyStopping } : {}),
      ...(t.stopBelowLr !== null ? { stopBelowLr: t.stopBelowLr } : {}),
      selectBy: t.selectBy,
      checkpointDir: spec.checkpointDir,
      fingerprint: spec.configHash,
      seed: config.seed,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    const predictions = await predict(model, testSource, { microBatchSize: t.microBatchSize });
    const test = testMetrics(predictions, dataset.labelNames, config.seed, options.bootstrap);
    const counts = (items: typeof trainItems) => {
      const c = labelCounts(items, dataset.labelNames.length);
      return { items: items.length, positives: c.positives };
    };
    const backend = getBackendInfo();
    const g = git();
    const provenance: Provenance = {
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
      },
      weights: availability.weights
        ? { source: availability.weights.source, title: availability.weights.title, sha256: availability.weights.sha256, caveats: availability.weights.caveats }
        : null,
      model: { inputSize: pipeline.size, params: countParams(model) },
      imagePipelineVersion: PIPELINE_VERSION,
    };
    const finished = new Date();
    const record: RunRecord = {
      ...base,
      status: 'ok',
      finishedAt: finished.toISOString(),
      wallSeconds: (finished.getTime() - started.getTime()) / 1000,
      test,
      bestEpoch: result.bestEpoch,
      stopReason: result.stopReason,
      resumedFromEpoch: result.resumedFromEpoch,
      curve: result.history,
      provenance,
    };
    if (predictions.scores.length <= MAX_STORED_SCORES) {
      const allCount = predictions.mask.every((m) => m === 1);
      record.testScores = {
        ids: predictions.ids,
        labels: Array.from(predictions.labels),
        scores: Array.from(predictions.scores, (v) => Number(v.toPrecision(7))),
        // Full float32 logits: rounding them (or using the saturating probabilities) would create ties that
        // change pooled CIs and curves.
        logits: Array.from(predictions.logits),
        ...(allCount ? {} : { mask: Array.from(predictions.mask) }),
      };
    }
    return record;
  } catch (error) {
    const finished = new Date();
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      ...base,
      status: 'failed',
      finishedAt: finished.toISOString(),
      wallSeconds: (finished.getTime() - started.getTime()) / 1000,
      error: { name: e.name, message: e.message },
    };
  } finally {
    model?.dispose();
  }
}

/** Called once the record is safely stored: the run's resumable state is no longer needed. */
export function discardRunState(spec: RunSpec): void {
  clearTrainingState(spec.checkpointDir);
}
