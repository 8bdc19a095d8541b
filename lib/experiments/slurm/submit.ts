/**
 * `run --executor slurm`: plan the grid exactly as the local runner does (same runs, same hashes), leave out what
 * is finished (in the store or in a shard not yet collected) and what an earlier submission still has queued or
 * running, and submit the rest as one job array, one task per run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendChoice } from '../../backend/index';
import { assertStoredRunsMatchImages } from '../data-identity';
import { pendingRuns, unavailableRecords } from '../pending';
import { planRuns, seedList, type Plan } from '../plan';
import { defaultWorkDir } from '../runner';
import { latestIncludingShards } from '../shards';
import { ResultsStore } from '../store';
import type { DatasetRef, GridSpec, ProfileSpec, RunSpec, WeightsPaths } from '../types';
import type { SlurmOptions } from './options';
import { sbatch } from './scheduler';
import { batchScript } from './script';
import { activeRuns } from './status';
import { newSubmissionId, runLabel, submissionPaths, writeSubmission, type Submission, type SubmittedRun } from './submission';

/** rethink-tl on the compute nodes: this checkout's CLI, by the `node` the task's environment (and --setup) provides. */
export const DEFAULT_TASK_COMMAND = ['node', path.resolve(__dirname, '..', '..', '..', 'bin', 'rethink-tl.js')];

export interface SubmitGridOptions {
  grids: GridSpec[];
  dataset: DatasetRef;
  profile: ProfileSpec;
  seeds?: number[] | number;
  /** Only the runs at these training fractions (PlanOptions.fractions). */
  fractions?: number[];
  weights?: WeightsPaths;
  /** On a file system every node sees: the tasks keep their epoch checkpoints here. Default as the local runner's. */
  workDir?: string;
  /** On a file system every node sees: the tasks write their shards and logs beside it. */
  storeDir: string;
  backend?: BackendChoice;
  /** Resubmit runs whose latest record is a failure (default true). */
  retryFailed?: boolean;
  slurm: SlurmOptions;
  /** Build the script, submit nothing, write nothing but the unavailable cells' records. */
  dryRun?: boolean;
  /** The rethink-tl command on the compute nodes (default DEFAULT_TASK_COMMAND). */
  taskCommand?: string[];
}

export interface SubmitGridResult {
  plan: Plan;
  /** Runs in the array (none: nothing to do). */
  submitted: RunSpec[];
  alreadyDone: number;
  skippedFailed: number;
  /** Runs left out because an earlier submission still has them queued or running. */
  stillActive: number;
  submission: Submission | null;
  /** The batch script (also with dryRun). */
  script: string | null;
}

function recordUnavailable(storeDir: string, plan: Plan, latest: ReturnType<typeof latestIncludingShards>): void {
  const records = unavailableRecords(plan, latest);
  if (records.length === 0) return;
  const store = ResultsStore.open(storeDir);
  try {
    for (const record of records) store.append(record);
  } finally {
    store.close();
  }
}

function submittedRun(spec: RunSpec): SubmittedRun {
  return { configHash: spec.configHash, grid: spec.grid, cellName: spec.cellName, fraction: spec.config.fraction, seed: spec.config.seed };
}

export async function submitGrid(options: SubmitGridOptions): Promise<SubmitGridResult> {
  const storeDir = path.resolve(options.storeDir);
  const inputs = {
    grids: options.grids,
    dataset: options.dataset,
    profile: options.profile,
    seeds: seedList(options.seeds, options.profile),
    ...(options.fractions ? { fractions: options.fractions } : {}),
    weights: options.weights ?? {},
    workDir: path.resolve(options.workDir ?? defaultWorkDir()),
  };
  const plan = await planRuns(inputs);
  const latest = latestIncludingShards(storeDir);
  recordUnavailable(storeDir, plan, latest);
  const pending = pendingRuns(plan, latest, options.retryFailed ?? true);
  assertStoredRunsMatchImages(plan.dataset, pending.finished, storeDir);
  const active = activeRuns(storeDir);
  const submitted = pending.toRun.filter((spec) => !active.has(spec.configHash));
  const result = { plan, submitted, alreadyDone: pending.alreadyDone, skippedFailed: pending.skippedFailed, stillActive: pending.toRun.length - submitted.length };
  if (submitted.length === 0) return { ...result, submission: null, script: null };

  const submission: Submission = {
    schema: 1,
    id: newSubmissionId(),
    createdAt: new Date().toISOString(),
    storeDir,
    plan: inputs,
    backend: options.backend ?? 'auto',
    slurm: options.slurm,
    runs: submitted.map(submittedRun),
    jobId: null,
  };
  const paths = submissionPaths(storeDir, submission.id);
  const script = batchScript({
    title: `rethink-tl: ${[...new Set(submission.runs.map((r) => r.grid))].join('+')} on ${inputs.dataset.id}, profile ${inputs.profile.id}: ${submitted.length} runs, one per array task`,
    submissionDir: paths.dir,
    submissionFile: paths.file,
    runs: submission.runs.map((r) => ({ configHash: r.configHash, label: runLabel(r) })),
    slurm: options.slurm,
    command: options.taskCommand ?? DEFAULT_TASK_COMMAND,
  });
  if (options.dryRun) return { ...result, submission, script };

  writeSubmission(submission);
  fs.writeFileSync(paths.script, script);
  try {
    submission.jobId = sbatch(paths.script);
  } catch (error) {
    fs.rmSync(paths.dir, { recursive: true, force: true }); // nothing was queued: leave no submission behind
    throw error;
  }
  writeSubmission(submission);
  return { ...result, submission, script };
}
