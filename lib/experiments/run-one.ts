/**
 * One run as the process that trains it sees it (a worker, or the runner itself with workers: 0): claim the
 * run's folder, train, and stop at the next batch when asked to. Stopping leaves the last epoch checkpoint as it
 * is, so the next invocation resumes from it; no record is written for a stopped run.
 */
import { InterruptedError } from '../errors';
import type { TrainProgressEvent } from '../train/types';
import { executeRun } from './execute';
import { failedRecord } from './failed-record';
import { claimRun, type ClaimHolder, type ClaimResult } from './run-claim';
import type { RunRecord, RunSpec } from './types';

export type RunOutcome =
  | { kind: 'record'; record: RunRecord }
  /** Another live process holds the run's claim: it was not started here. */
  | { kind: 'in-use'; holder: ClaimHolder; claimFile: string }
  /** Stopped on request before it finished (`reason`: the signal). */
  | { kind: 'stopped'; reason: string };

export interface RunOneOptions {
  bootstrap: number;
  onProgress?: (event: TrainProgressEvent) => void;
  /** Non-null once the run must stop: checked at every progress event (each batch). */
  stopReason: () => string | null;
  claimWaitMs?: number;
}

export async function runOne(spec: RunSpec, options: RunOneOptions): Promise<RunOutcome> {
  const startedAt = new Date();
  const clock = performance.now();
  let claimed: ClaimResult;
  try {
    claimed = await claimRun(spec.checkpointDir, {
      ...(options.claimWaitMs !== undefined ? { waitMs: options.claimWaitMs } : {}),
      giveUp: () => options.stopReason() !== null,
    });
  } catch (error) {
    // The run's folder cannot be created or written (a full disk, no permission): this run fails, the grid goes on.
    const e = error instanceof Error ? error : new Error(String(error));
    return { kind: 'record', record: failedRecord(spec, startedAt, (performance.now() - clock) / 1000, { name: e.name, message: e.message }) };
  }
  if ('heldBy' in claimed) {
    const reason = options.stopReason();
    return reason ? { kind: 'stopped', reason } : { kind: 'in-use', holder: claimed.heldBy, claimFile: claimed.file };
  }
  try {
    const record = await executeRun(spec, {
      bootstrap: options.bootstrap,
      onProgress: (event) => {
        const reason = options.stopReason();
        // Thrown between batches: the last checkpoint is complete, and train() unwinds through its finally blocks.
        if (reason) throw new InterruptedError(`stopped by ${reason}`, { signal: reason });
        options.onProgress?.(event);
      },
    });
    const reason = options.stopReason();
    if (reason && record.status === 'failed' && record.error?.name === 'InterruptedError') return { kind: 'stopped', reason };
    return { kind: 'record', record };
  } finally {
    claimed.claim.release();
  }
}
