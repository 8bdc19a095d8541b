/**
 * Where each task of a submitted array stands: queued or running (squeue), finished or failed (its record, in
 * the store or in a shard not yet collected), and for a task that left no record, what ended it (its exit
 * file, squeue's memory of it, or sacct where accounting exists).
 */
import { ConfigError } from '../../errors';
import { latestIncludingShards } from '../shards';
import type { RunRecord } from '../types';
import { accountingStates, isActive, queueStates, type TaskState } from './scheduler';
import { listSubmissions, readExitFile, submissionPaths, type Submission, type SubmittedRun } from './submission';

export type TaskPhase = 'queued' | 'running' | 'finished' | 'failed' | 'unavailable' | 'unknown';

export interface TaskStatus {
  task: number;
  run: SubmittedRun;
  phase: TaskPhase;
  detail: string;
}

export interface TaskEvidence {
  /** squeue's entries for the submission's job, or null when squeue could not be asked. */
  queue: TaskState[] | null;
  /** sacct's entries, or null without accounting; asked only for a task that left no other trace. */
  accounting(): TaskState[] | null;
  /** Newest record per run (store and uncollected shards). */
  latest: Map<string, RunRecord>;
  /** The task's exit file text, or null. */
  exit(task: number): string | null;
}

function recordPhase(record: RunRecord): { phase: TaskPhase; detail: string } {
  if (record.status === 'ok') return { phase: 'finished', detail: `${record.wallSeconds.toFixed(0)} s${record.resumedFromEpoch ? `, resumed after epoch ${record.resumedFromEpoch}` : ''}` };
  if (record.status === 'unavailable') return { phase: 'unavailable', detail: record.reason ?? '' };
  return { phase: 'failed', detail: record.error ? `${record.error.name}: ${record.error.message}` : 'failed' };
}

/** One task's phase from the evidence; pure, so every combination is testable without a cluster. */
export function taskStatus(submission: Submission, task: number, evidence: TaskEvidence): TaskStatus {
  const run = submission.runs[task]!;
  const status = (phase: TaskPhase, detail: string): TaskStatus => ({ task, run, phase, detail });
  const find = (states: TaskState[] | null) => states?.find((s) => s.jobId === submission.jobId && s.task === task);
  const queued = find(evidence.queue);
  if (queued && isActive(queued.state)) {
    const detail = [queued.state, queued.detail].filter(Boolean).join(': ');
    return status(queued.state === 'PENDING' ? 'queued' : 'running', detail);
  }
  const record = evidence.latest.get(run.configHash);
  // A finished run is finished whoever ran it; another outcome counts only if it came from this submission or later.
  if (record && (record.status === 'ok' || record.startedAt >= submission.createdAt)) {
    const { phase, detail } = recordPhase(record);
    return status(phase, detail);
  }
  if (submission.jobId === null) return status('failed', 'not submitted: sbatch did not accept the array');
  const exit = evidence.exit(task);
  if (exit !== null) return status('failed', `no record; task ended with ${exit}`);
  const ended = queued ?? find(evidence.accounting());
  if (ended) return status('failed', `no record; Slurm says ${[ended.state, ended.detail].filter(Boolean).join(', ')}`);
  if (evidence.queue === null) return status('unknown', 'squeue unavailable and no record yet');
  return status('failed', 'no record and no longer queued: killed, cancelled, timed out or lost');
}

/** Every task of `submission`, asking squeue (and sacct, only when a task left no other trace) as needed. */
export function submissionStatus(storeDir: string, submission: Submission): { tasks: TaskStatus[]; notes: string[] } {
  const notes: string[] = [];
  const jobs = submission.jobId ? [submission.jobId] : [];
  const q = queueStates(jobs);
  if ('unavailable' in q) notes.push(`queue states unknown: ${q.unavailable}`);
  let accounting: { states: TaskState[] } | { unavailable: string } | undefined;
  const paths = submissionPaths(storeDir, submission.id);
  const evidence: TaskEvidence = {
    queue: 'states' in q ? q.states : null,
    accounting: () => {
      if (!accounting) {
        accounting = accountingStates(jobs);
        if ('unavailable' in accounting) notes.push(`no accounting (${accounting.unavailable}): a task that left no record is known by its exit file only`);
      }
      return 'states' in accounting ? accounting.states : null;
    },
    latest: latestIncludingShards(storeDir),
    exit: (task) => readExitFile(paths, task),
  };
  return { tasks: submission.runs.map((_, i) => taskStatus(submission, i, evidence)), notes };
}

/** Runs queued or running in any of the store's submissions: submitting them again would run them twice. */
export function activeRuns(storeDir: string): Map<string, { submission: string; task: number; state: string }> {
  const submissions = listSubmissions(storeDir).filter((s) => s.jobId !== null);
  const active = new Map<string, { submission: string; task: number; state: string }>();
  if (submissions.length === 0) return active;
  const q = queueStates(submissions.map((s) => s.jobId!));
  if ('unavailable' in q) throw new ConfigError(`cannot tell which runs of earlier submissions are still queued or running: ${q.unavailable}`);
  for (const state of q.states.filter((s) => isActive(s.state))) {
    const submission = submissions.find((s) => s.jobId === state.jobId);
    const run = submission?.runs[state.task];
    if (submission && run) active.set(run.configHash, { submission: submission.id, task: state.task, state: state.state });
  }
  return active;
}
