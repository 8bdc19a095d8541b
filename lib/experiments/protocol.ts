/** Messages between the runner and its worker processes (child_process IPC, structured-clone JSON). */
import type { BackendChoice } from '../backend/index';
import type { TrainProgressEvent } from '../train/types';
import type { ClaimHolder } from './run-claim';
import type { RunRecord, RunSpec } from './types';

export type ToWorker =
  | { type: 'init'; backend: BackendChoice; threads?: number; bootstrap: number; claimWaitMs: number }
  | { type: 'run'; spec: RunSpec }
  /** Stop the current run at its next batch (its checkpoint stays for a resume), answer 'stopped', exit. */
  | { type: 'stop'; reason: string }
  | { type: 'exit' };

export type FromWorker =
  | { type: 'ready'; backend: string; version: string }
  | { type: 'init-failed'; message: string }
  | { type: 'progress'; configHash: string; event: TrainProgressEvent }
  | { type: 'result'; record: RunRecord }
  /** Another live process holds the run's claim; the worker is free for the next run. */
  | { type: 'in-use'; holder: ClaimHolder; claimFile: string }
  /** The current run stopped as asked (or the worker was idle); the worker exits next. */
  | { type: 'stopped' }
  /** The worker itself received SIGINT/SIGTERM: it stopped its run and exits; the whole grid must stop. */
  | { type: 'interrupted'; signal: string };
