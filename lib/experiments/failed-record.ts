import type { RunRecord, RunSpec } from './types';

/** The record of a run that failed outside executeRun (its worker died, its folder could not be claimed). */
export function failedRecord(spec: RunSpec, startedAt: Date, seconds: number, error: { name: string; message: string }): RunRecord {
  return {
    schema: 1,
    status: 'failed',
    configHash: spec.configHash,
    config: spec.config,
    grid: spec.grid,
    cellName: spec.cellName,
    seed: spec.config.seed,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: seconds,
    error,
  };
}
