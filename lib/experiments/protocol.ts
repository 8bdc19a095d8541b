/** Messages between the runner and its worker processes (child_process IPC, structured-clone JSON). */
import type { BackendChoice } from '../backend/index';
import type { TrainProgressEvent } from '../train/types';
import type { RunRecord, RunSpec } from './types';

export type ToWorker =
  | { type: 'init'; backend: BackendChoice; threads?: number; bootstrap: number }
  | { type: 'run'; spec: RunSpec }
  | { type: 'exit' };

export type FromWorker =
  | { type: 'ready'; backend: string; version: string }
  | { type: 'init-failed'; message: string }
  | { type: 'progress'; configHash: string; event: TrainProgressEvent }
  | { type: 'result'; record: RunRecord };
