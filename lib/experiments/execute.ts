/**
 * One run, start to finish, in the current process: data, model, training (resumable), test-set evaluation
 * with bootstrap CIs, and the record with its provenance. The backend must already be initialised.
 */
import { createBatchSource } from '../data/index';
import { countParams } from '../models/params';
import type { WeightsInfo } from '../models/weights/sources';
import { clearTrainingState } from '../train/checkpoint';
import { predict } from '../train/evaluate';
import { train } from '../train/loop';
import type { TrainProgressEvent } from '../train/types';
import { deriveSeed } from '../util/random';
import { buildModel, checkAvailability } from './model-factory';
import { probeAndTest } from './probe-run';
import { trainingSettings } from './run-config';
import { provenanceOf, runData, storedScores, testMetrics, type Elapsed, type RunBase, type RunData } from './run-outputs';
import { INITS, type RunRecord, type RunSpec } from './types';

export interface ExecuteRunOptions {
  onProgress?: (event: TrainProgressEvent) => void;
  /** Bootstrap replicates for the test CIs. */
  bootstrap: number;
}

async function trainAndTest(spec: RunSpec, data: RunData, weights: WeightsInfo | null, options: ExecuteRunOptions, base: RunBase, elapsed: Elapsed): Promise<RunRecord> {
  const { config } = spec;
  const { dataset, splits, trainItems } = data;
  const pipeline = config.pipeline;
  const t = trainingSettings(config.training);
  const evalOptions = { batchSize: t.microBatchSize, shuffle: false, seed: 0, pipeline, augment: false } as const;
  const model = await buildModel(config.cell.model, config.cell.init, {
    numClasses: dataset.labelNames.length,
    inputSize: pipeline.size,
    channels: pipeline.channels,
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
      provenance: provenanceOf(data, weights, countParams(model), pipeline.size),
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
    const arm = INITS[config.cell.init].method === 'linear-probe' ? probeAndTest : trainAndTest;
    return await arm(spec, data, availability.weights, options, base, elapsed);
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
