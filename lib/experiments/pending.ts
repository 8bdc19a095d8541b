/**
 * What a planned grid still needs, given the records there are: which runs to train, which are done, and which
 * cells to record as unavailable here. One decision for every executor (local workers, a Slurm array), so they
 * skip and retry exactly the same runs.
 */
import type { Plan } from './plan';
import type { RunRecord, RunSpec } from './types';

export interface PendingRuns {
  /** Runs with no 'ok' record (and, unless failures are retried, no 'failed' one). In plan order. */
  toRun: RunSpec[];
  /** Runs an 'ok' record already covers. */
  alreadyDone: number;
  /** Those 'ok' records (their image identity is checked against this data before anything trains). */
  finished: RunRecord[];
  /** Runs whose last attempt failed, left alone because retryFailed is false. */
  skippedFailed: number;
}

/** `latest`: latestByConfig over the records there are (an 'ok' record is final). */
export function pendingRuns(plan: Plan, latest: Map<string, RunRecord>, retryFailed: boolean): PendingRuns {
  const finished: RunRecord[] = [];
  let skippedFailed = 0;
  const toRun = plan.runs.filter((spec) => {
    const previous = latest.get(spec.configHash);
    if (previous?.status === 'ok') {
      finished.push(previous);
      return false;
    }
    if (previous?.status === 'failed' && !retryFailed) {
      skippedFailed += 1;
      return false;
    }
    return true;
  });
  return { toRun, alreadyDone: finished.length, finished, skippedFailed };
}

/** The record of a run that cannot be done here (e.g. its weights are missing), with the reason. */
export function unavailableRecord(spec: RunSpec, reason: string, now: string = new Date().toISOString()): RunRecord {
  const { configHash, config, grid, cellName } = spec;
  return { schema: 1, status: 'unavailable', configHash, config, grid, cellName, seed: config.seed, startedAt: now, finishedAt: now, wallSeconds: 0, reason };
}

/** 'unavailable' records for the plan's cells that cannot run here, except those already recorded for the same reason. */
export function unavailableRecords(plan: Plan, latest: Map<string, RunRecord>, now: string = new Date().toISOString()): RunRecord[] {
  return plan.unavailable
    .filter(({ spec, reason }) => {
      const previous = latest.get(spec.configHash);
      return !(previous?.status === 'unavailable' && previous.reason === reason);
    })
    .map(({ spec, reason }) => unavailableRecord(spec, reason, now));
}
