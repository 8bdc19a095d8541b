/**
 * `run-one`: what one array task does. It plans the submission's grid again, finds its run by configuration hash
 * (a run that no longer plans to that hash means the data, weights or code changed: an error, not a different
 * run), trains it, resuming from the epoch checkpoint a killed attempt left in the work directory, and writes the
 * record to a shard of its own beside the store. A run that is already finished is not trained again.
 */
import * as path from 'node:path';
import { initBackend } from '../../backend/index';
import { ConfigError } from '../../errors';
import { discardRunState, executeRun } from '../execute';
import { planRuns } from '../plan';
import type { RunnerEvent } from '../runner';
import { latestIncludingShards, writeShard } from '../shards';
import type { RunRecord, RunSpec } from '../types';
import { readSubmission, SUBMISSIONS_DIR } from './submission';

export interface SubmittedRunResult {
  /** The new record, or null when the run was already finished. */
  record: RunRecord | null;
  shard: string | null;
  spec: RunSpec;
}

/** `<store>/slurm/<id>/submission.json` -> `<store>`: found from where the file is, so a moved store still works. */
function storeDirOf(submissionFile: string): string {
  const dir = path.dirname(path.resolve(submissionFile));
  if (path.basename(path.dirname(dir)) !== SUBMISSIONS_DIR) {
    throw new ConfigError(`${submissionFile}: a submission file lives in <store>/${SUBMISSIONS_DIR}/<id>/`, { file: submissionFile });
  }
  return path.dirname(path.dirname(dir));
}

/** Threads for the task's backend: the CPUs Slurm gave it. */
function taskThreads(env: NodeJS.ProcessEnv): number {
  const cpus = Number(env.SLURM_CPUS_PER_TASK);
  return Number.isInteger(cpus) && cpus > 0 ? cpus : 1;
}

export async function runSubmittedRun(
  submissionFile: string,
  configHash: string,
  onEvent: (event: RunnerEvent) => void = () => {},
): Promise<SubmittedRunResult> {
  const storeDir = storeDirOf(submissionFile);
  const submission = readSubmission(submissionFile);
  const plan = await planRuns(submission.plan);
  const spec = [...plan.runs, ...plan.unavailable.map((u) => u.spec)].find((s) => s.configHash === configHash);
  if (!spec) {
    throw new ConfigError(
      `run ${configHash} is not in the grid of submission ${submission.id} as it plans now: the dataset, the weights or rethink-tl changed since it was submitted`,
      { file: submissionFile, key: configHash },
    );
  }
  if (latestIncludingShards(storeDir).get(configHash)?.status === 'ok') return { record: null, shard: null, spec };

  const env = process.env;
  const backend = await initBackend({ backend: submission.backend, threads: taskThreads(env) });
  onEvent({ type: 'worker-ready', worker: 0, backend: `${backend.backend} ${backend.version}` });
  onEvent({ type: 'run-start', worker: 0, spec });
  const record = await executeRun(spec, {
    bootstrap: submission.plan.profile.bootstrap,
    onProgress: (event) => onEvent({ type: 'progress', worker: 0, spec, event }),
  });
  const tag = env.SLURM_ARRAY_JOB_ID ? `slurm-${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID ?? ''}` : 'run-one';
  const shard = writeShard(storeDir, record, tag);
  // Only once the record is safely on disk: the checkpoint is what a resubmitted task would resume from.
  if (record.status === 'ok') discardRunState(spec);
  onEvent({ type: 'run-end', worker: 0, spec, record });
  return { record, shard, spec };
}
