/**
 * Runs grids: plan, skip what the store already has, record what cannot run here, and execute the rest on N
 * worker processes (each with its own tfjs backend), appending each record as it arrives. A failed run is
 * recorded with its error and the grid goes on; a killed run resumes from its last epoch on the next call.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { initBackend, type BackendChoice } from '../backend/index';
import { ConfigError } from '../errors';
import { defaultWeightsCacheDir } from '../models/index';
import type { TrainProgressEvent } from '../train/types';
import { discardRunState, executeRun } from './execute';
import { planRuns, type Plan } from './plan';
import type { FromWorker, ToWorker } from './protocol';
import { latestByConfig, ResultsStore } from './store';
import type { DatasetRef, GridSpec, ProfileSpec, RunRecord, RunSpec, WeightsPaths } from './types';

export interface RunGridOptions {
  grids: GridSpec[];
  dataset: DatasetRef;
  profile: ProfileSpec;
  seeds?: number[] | number;
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
}

export type RunnerEvent =
  | { type: 'plan'; plan: Plan; toRun: RunSpec[]; alreadyDone: number; skippedFailed: number }
  | { type: 'worker-ready'; worker: number; backend: string }
  | { type: 'run-start'; worker: number; spec: RunSpec }
  | { type: 'progress'; worker: number; spec: RunSpec; event: TrainProgressEvent }
  | { type: 'run-end'; worker: number; spec: RunSpec; record: RunRecord };

export interface RunGridResult {
  plan: Plan;
  /** Records written by this call. */
  records: RunRecord[];
  ok: number;
  failed: number;
  unavailable: number;
  /** Runs skipped because the store already had them finished. */
  alreadyDone: number;
  wallSeconds: number;
}

/** Cheaper runs later, so the workers finish together: model cost x images per epoch x pixels. */
const MODEL_COST: Record<string, number> = {
  'cbr-large-t': 8,
  'cbr-large-w': 3.5,
  'cbr-tiny': 2.5,
  'cbr-small': 1,
  densenet121: 1.2,
  resnet50: 1.5,
  'resnet50-keras': 1.5,
};
function estimatedCost(spec: RunSpec): number {
  const { config } = spec;
  return (MODEL_COST[config.cell.model.id] ?? 1) * config.fraction * config.training.epochs;
}

const WORKER_ENTRY = path.join(__dirname, 'worker.ts');

export async function runGrid(options: RunGridOptions): Promise<RunGridResult> {
  const started = Date.now();
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 0) throw new ConfigError(`workers must be an integer >= 0, got ${workers}`, { field: 'workers' });
  const workDir = options.workDir ?? path.join(path.dirname(defaultWeightsCacheDir()), 'runs');
  const plan = await planRuns({
    grids: options.grids,
    dataset: options.dataset,
    profile: options.profile,
    ...(options.seeds !== undefined ? { seeds: options.seeds } : {}),
    ...(options.weights ? { weights: options.weights } : {}),
    workDir,
  });

  const store = ResultsStore.open(options.storeDir);
  const written: RunRecord[] = [];
  const append = (record: RunRecord): void => {
    store.append(record);
    written.push(record);
  };
  try {
    const latest = latestByConfig(store.records());
    for (const { spec, reason } of plan.unavailable) {
      const previous = latest.get(spec.configHash);
      if (previous?.status === 'unavailable' && previous.reason === reason) continue;
      const now = new Date().toISOString();
      append({ schema: 1, status: 'unavailable', configHash: spec.configHash, config: spec.config, grid: spec.grid, cellName: spec.cellName, seed: spec.config.seed, startedAt: now, finishedAt: now, wallSeconds: 0, reason });
    }
    const retryFailed = options.retryFailed ?? true;
    let alreadyDone = 0;
    let skippedFailed = 0;
    const toRun = plan.runs
      .filter((spec) => {
        const previous = latest.get(spec.configHash);
        if (previous?.status === 'ok') {
          alreadyDone += 1;
          return false;
        }
        if (previous?.status === 'failed' && !retryFailed) {
          skippedFailed += 1;
          return false;
        }
        return true;
      })
      .sort((a, b) => estimatedCost(b) - estimatedCost(a));
    options.onEvent?.({ type: 'plan', plan, toRun, alreadyDone, skippedFailed });

    if (!options.dryRun && toRun.length > 0) {
      const onRecord = (worker: number, spec: RunSpec, record: RunRecord): void => {
        append(record);
        if (record.status === 'ok') discardRunState(spec);
        options.onEvent?.({ type: 'run-end', worker, spec, record });
      };
      if (workers === 0) {
        await runInProcess(toRun, options, onRecord);
      } else {
        await runOnWorkers(toRun, Math.min(workers, toRun.length), options, onRecord);
      }
    }
    const count = (status: RunRecord['status']): number => written.filter((r) => r.status === status).length;
    return {
      plan,
      records: written,
      ok: count('ok'),
      failed: count('failed'),
      unavailable: plan.unavailable.length,
      alreadyDone,
      wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    store.close();
  }
}

async function runInProcess(specs: RunSpec[], options: RunGridOptions, onRecord: (worker: number, spec: RunSpec, record: RunRecord) => void): Promise<void> {
  await initBackend({ ...(options.backend ? { backend: options.backend } : {}), ...(options.threads ? { threads: options.threads } : {}) });
  for (const spec of specs) {
    options.onEvent?.({ type: 'run-start', worker: 0, spec });
    const record = await executeRun(spec, {
      bootstrap: options.profile.bootstrap,
      onProgress: (event) => options.onEvent?.({ type: 'progress', worker: 0, spec, event }),
    });
    onRecord(0, spec, record);
  }
}

function runOnWorkers(
  specs: RunSpec[],
  count: number,
  options: RunGridOptions,
  onRecord: (worker: number, spec: RunSpec, record: RunRecord) => void,
): Promise<void> {
  const queue = [...specs];
  const children = new Set<ChildProcess>();
  return new Promise<void>((resolve, reject) => {
    let live = 0;
    const finishIfDone = (): void => {
      if (live === 0) resolve();
    };
    const start = (worker: number): void => {
      if (queue.length === 0) return;
      live += 1;
      const child = fork(WORKER_ENTRY, [], {
        execArgv: ['--require', require.resolve('tsx/cjs')],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env },
      });
      children.add(child);
      let current: RunSpec | null = null;
      const send = (message: ToWorker): void => {
        child.send(message);
      };
      const next = (): void => {
        current = queue.shift() ?? null;
        if (current) {
          options.onEvent?.({ type: 'run-start', worker, spec: current });
          send({ type: 'run', spec: current });
        } else {
          send({ type: 'exit' });
        }
      };
      child.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            options.onEvent?.({ type: 'worker-ready', worker, backend: `${message.backend} ${message.version}` });
            next();
            break;
          case 'init-failed':
            for (const c of children) c.kill();
            reject(new ConfigError(`worker ${worker}: backend initialisation failed: ${message.message}`));
            break;
          case 'progress':
            if (current) options.onEvent?.({ type: 'progress', worker, spec: current, event: message.event });
            break;
          case 'result':
            if (current) onRecord(worker, current, message.record);
            next();
            break;
        }
      });
      child.on('exit', (code, signal) => {
        children.delete(child);
        live -= 1;
        if (current) {
          // The worker died mid-run (e.g. the wasm heap ran out: not catchable inside the worker). Record it;
          // the run's epoch checkpoint lets the next invocation resume it.
          const now = new Date().toISOString();
          onRecord(worker, current, {
            schema: 1,
            status: 'failed',
            configHash: current.configHash,
            config: current.config,
            grid: current.grid,
            cellName: current.cellName,
            seed: current.config.seed,
            startedAt: now,
            finishedAt: now,
            wallSeconds: 0,
            error: { name: 'WorkerExit', message: `worker process exited (code ${code}, signal ${signal}) during the run; an out-of-memory wasm heap exits this way` },
          });
          current = null;
          start(worker); // a fresh process for the remaining queue
        }
        finishIfDone();
      });
      send({ type: 'init', backend: options.backend ?? 'auto', ...(options.threads ? { threads: options.threads } : {}), bootstrap: options.profile.bootstrap });
    };
    for (let w = 0; w < count; w++) start(w);
  });
}
