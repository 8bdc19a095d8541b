/**
 * Runs grids: plan, skip what the store already has, record what cannot run here, and execute the rest on N
 * worker processes (each with its own tfjs backend), appending each record as it arrives. A failed run is
 * recorded with its error and the grid goes on; a killed run resumes from its last epoch on the next call.
 * SIGINT/SIGTERM (or `signal`) stop the whole grid cleanly: runs stop at their next batch, finished runs are
 * recorded, the store lock is released, and runGrid rejects with an InterruptedError saying what stopped.
 */
import * as path from 'node:path';
import { initBackend, type BackendChoice } from '../backend/index';
import { ConfigError } from '../errors';
import { defaultWeightsCacheDir } from '../models/weights/cache';
import type { TrainProgressEvent } from '../train/types';
import { assertStoredRunsMatchImages } from './data-identity';
import { discardRunState } from './execute';
import { interruptedError, watchInterrupts, type InterruptWatch, type StoppedRun } from './interrupt';
import { pendingRuns, unavailableRecords } from './pending';
import { planRuns, type Plan } from './plan';
import type { ClaimHolder } from './run-claim';
import { mostExpensiveFirst } from './run-cost';
import { runOne } from './run-one';
import { latestByConfig, ResultsStore } from './store';
import type { DatasetRef, GridSpec, ProfileSpec, RunRecord, RunSpec, WeightsPaths } from './types';
import { runLabel, runOnWorkers, type PoolCallbacks } from './worker-pool';

export interface RunGridOptions {
  grids: GridSpec[];
  dataset: DatasetRef;
  profile: ProfileSpec;
  seeds?: number[] | number;
  /** Only the runs at these training fractions (same runs as in the whole grid; see PlanOptions.fractions). */
  fractions?: number[];
  /** Worker processes; 0 runs in this process (notebooks, tests). Default 1. */
  workers?: number;
  storeDir: string;
  /**
   * Unfinished runs' training state. Default: `runs/` beside the weights cache (e.g. ~/.cache/rethink-tl/runs),
   * outside the project so checkpoints never end up in git next to the committed store.
   */
  workDir?: string;
  weights?: WeightsPaths;
  backend?: BackendChoice;
  /** Compute threads per worker, native or wasm (default RETHINK_THREADS, else 1: with N workers on N cores, more only contend). */
  threads?: number;
  /** Rerun runs whose latest record is a failure (default true). */
  retryFailed?: boolean;
  /** Only plan and record unavailable cells; run nothing. */
  dryRun?: boolean;
  onEvent?: (event: RunnerEvent) => void;
  /** Stops the grid like SIGINT does. */
  signal?: AbortSignal;
  /** Treat SIGINT/SIGTERM to this process as a request to stop the grid cleanly while it runs (default true). */
  handleSignals?: boolean;
  /** Seconds a stopping worker gets to finish its batch before it is killed (default 60). */
  stopGraceSeconds?: number;
  /** Seconds to wait for a run another live process is training before leaving it to that process (default 30). */
  claimWaitSeconds?: number;
}

export type RunnerEvent =
  | { type: 'plan'; plan: Plan; toRun: RunSpec[]; alreadyDone: number; skippedFailed: number }
  | { type: 'worker-ready'; worker: number; backend: string }
  | { type: 'run-start'; worker: number; spec: RunSpec }
  | { type: 'progress'; worker: number; spec: RunSpec; event: TrainProgressEvent }
  | { type: 'run-end'; worker: number; spec: RunSpec; record: RunRecord }
  /** Another live process holds the run (see run-claim.ts); it was left to that process, not recorded. */
  | { type: 'run-in-use'; worker: number; spec: RunSpec; holder: ClaimHolder; claimFile: string }
  /**
   * An interrupt arrived: `running` runs are stopping at their next batch (force: their workers are being killed
   * now, which a repeated interrupt does; `canForce` is false in process, where that is not possible).
   */
  | { type: 'stopping'; reason: string; running: number; force: boolean; canForce: boolean };

export interface RunGridResult {
  plan: Plan;
  /** Records written by this call. */
  records: RunRecord[];
  ok: number;
  failed: number;
  unavailable: number;
  /** Runs skipped because the store already had them finished. */
  alreadyDone: number;
  /** Runs left to another live process that was training them. */
  inUse: number;
  wallSeconds: number;
}

/** Unfinished runs' training state, by default: `runs/` beside the weights cache (see RunGridOptions.workDir). */
export function defaultWorkDir(): string {
  return path.join(path.dirname(defaultWeightsCacheDir()), 'runs');
}

export async function runGrid(options: RunGridOptions): Promise<RunGridResult> {
  const started = performance.now();
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 0) throw new ConfigError(`workers must be an integer >= 0, got ${workers}`, { field: 'workers' });
  const watch = watchInterrupts({ handleSignals: options.handleSignals ?? true, ...(options.signal ? { signal: options.signal } : {}) });
  try {
    const workDir = options.workDir ?? defaultWorkDir();
    const plan = await planRuns({
      grids: options.grids,
      dataset: options.dataset,
      profile: options.profile,
      ...(options.seeds !== undefined ? { seeds: options.seeds } : {}),
      ...(options.weights ? { weights: options.weights } : {}),
      ...(options.fractions ? { fractions: options.fractions } : {}),
      workDir,
    });
    if (watch.reason) throw interruptedError(watch.reason, [], 0);
    const store = ResultsStore.open(options.storeDir);
    try {
      const result = await runPlanned(plan, store, workers, options, watch);
      return { ...result, wallSeconds: (performance.now() - started) / 1000 };
    } finally {
      store.close();
    }
  } finally {
    watch.dispose();
  }
}

async function runPlanned(
  plan: Plan,
  store: ResultsStore,
  workers: number,
  options: RunGridOptions,
  watch: InterruptWatch,
): Promise<Omit<RunGridResult, 'wallSeconds'>> {
  const written: RunRecord[] = [];
  const append = (record: RunRecord): void => {
    store.append(record);
    written.push(record);
  };
  const latest = latestByConfig(store.records());
  const { toRun: planned, finished, skippedFailed } = pendingRuns(plan, latest, options.retryFailed ?? true);
  assertStoredRunsMatchImages(plan.dataset, finished, store.dir);
  for (const record of unavailableRecords(plan, latest)) append(record);
  const toRun = mostExpensiveFirst(planned);
  options.onEvent?.({ type: 'plan', plan, toRun, alreadyDone: finished.length, skippedFailed });

  let inUse = 0;
  const emit = (event: RunnerEvent): void => options.onEvent?.(event);
  const hooks: PoolCallbacks = {
    workerReady: (worker, backend) => emit({ type: 'worker-ready', worker, backend }),
    runStart: (worker, spec) => emit({ type: 'run-start', worker, spec }),
    progress: (worker, spec, event) => emit({ type: 'progress', worker, spec, event }),
    record: (worker, spec, record) => {
      append(record);
      if (record.status === 'ok') discardRunState(spec);
      emit({ type: 'run-end', worker, spec, record });
    },
    inUse: (worker, spec, holder, claimFile) => {
      inUse += 1;
      emit({ type: 'run-in-use', worker, spec, holder, claimFile });
    },
    stopping: (reason, running, force) => emit({ type: 'stopping', reason, running, force, canForce: workers > 0 }),
  };
  let stopped: StoppedRun[] = [];
  if (!options.dryRun && toRun.length > 0 && !watch.reason) {
    const claimWaitMs = (options.claimWaitSeconds ?? 30) * 1000;
    stopped =
      workers === 0
        ? await runInProcess(toRun, options, watch, hooks, claimWaitMs)
        : (
            await runOnWorkers(
              toRun,
              Math.min(workers, toRun.length),
              { backend: options.backend ?? 'auto', ...(options.threads ? { threads: options.threads } : {}), bootstrap: options.profile.bootstrap, claimWaitMs, stopGraceSeconds: options.stopGraceSeconds ?? 60, watch },
              hooks,
            )
          ).stopped;
  }
  if (watch.reason) throw interruptedError(watch.reason, stopped, written.length);
  const count = (status: RunRecord['status']): number => written.filter((r) => r.status === status).length;
  return { plan, records: written, ok: count('ok'), failed: count('failed'), unavailable: plan.unavailable.length, alreadyDone: finished.length, inUse };
}

/** workers: 0: the same steps as a worker, in this process; an interrupt stops the current run at its next batch. */
async function runInProcess(specs: RunSpec[], options: RunGridOptions, watch: InterruptWatch, on: PoolCallbacks, claimWaitMs: number): Promise<StoppedRun[]> {
  await initBackend({ ...(options.backend ? { backend: options.backend } : {}), ...(options.threads ? { threads: options.threads } : {}) });
  watch.onInterrupt((reason, n) => {
    if (n === 1) on.stopping(reason, 1, false);
  });
  for (const spec of specs) {
    if (watch.reason) break;
    on.runStart(0, spec);
    let epoch = 0;
    const outcome = await runOne(spec, {
      bootstrap: options.profile.bootstrap,
      claimWaitMs,
      stopReason: () => watch.reason,
      onProgress: (event) => {
        if (event.type === 'epoch-end') epoch = event.epoch;
        if (event.type === 'resumed') epoch = event.fromEpoch;
        on.progress(0, spec, event);
      },
    });
    if (outcome.kind === 'stopped') return [{ label: runLabel(spec), epoch, epochs: spec.config.training.epochs }];
    if (outcome.kind === 'in-use') on.inUse(0, spec, outcome.holder, outcome.claimFile);
    else on.record(0, spec, outcome.record);
  }
  return [];
}
