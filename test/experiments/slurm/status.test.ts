/**
 * Reading Slurm's answers (sbatch, squeue, sacct) and deciding each array task's state from the evidence there
 * is: the queue, the run's record (store or shard), the task's exit file, and accounting where it exists.
 */
import { describe, expect, it } from 'vitest';
import { isActive, parseSacct, parseSbatch, parseSqueue } from '../../../lib/experiments/slurm/scheduler';
import { taskStatus, type TaskEvidence } from '../../../lib/experiments/slurm/status';
import type { Submission } from '../../../lib/experiments/slurm/submission';
import type { RunRecord } from '../../../lib/experiments/types';

describe('parsers', () => {
  it('reads the job id from sbatch --parsable, with or without a cluster name', () => {
    expect(parseSbatch('4242\n')).toBe('4242');
    expect(parseSbatch('4242;gpu-cluster\n')).toBe('4242');
    expect(() => parseSbatch('sbatch: error: Batch job submission failed')).toThrow(/not a job id/);
  });

  it("reads squeue's array tasks (as slurmctld 22.05 prints them) and drops jobs that are not arrays", () => {
    const out = ['1|0|COMPLETED|None', '1|2|RUNNING|None', '1|3|PENDING|JobArrayTaskLimit', '5|N/A|RUNNING|None', ''].join('\n');
    expect(parseSqueue(out)).toEqual([
      { jobId: '1', task: 0, state: 'COMPLETED', detail: '' },
      { jobId: '1', task: 2, state: 'RUNNING', detail: '' },
      { jobId: '1', task: 3, state: 'PENDING', detail: 'JobArrayTaskLimit' },
    ]);
  });

  it("reads sacct's array tasks, not their steps or pending ranges", () => {
    const out = ['123_0|COMPLETED|0:0', '123_0.batch|COMPLETED|0:0', '123_1|TIMEOUT|0:0', '123_1.batch|CANCELLED|0:15', '123_2|CANCELLED by 1000|0:0', '123_[3-4%2]|PENDING|0:0'].join('\n');
    expect(parseSacct(out)).toEqual([
      { jobId: '123', task: 0, state: 'COMPLETED', detail: 'exit code 0:0' },
      { jobId: '123', task: 1, state: 'TIMEOUT', detail: 'exit code 0:0' },
      { jobId: '123', task: 2, state: 'CANCELLED', detail: 'exit code 0:0' },
    ]);
  });

  it('tells unfinished states from final ones', () => {
    for (const s of ['PENDING', 'RUNNING', 'COMPLETING', 'CONFIGURING', 'REQUEUED', 'SUSPENDED']) expect(isActive(s)).toBe(true);
    for (const s of ['COMPLETED', 'CANCELLED', 'TIMEOUT', 'PREEMPTED', 'FAILED', 'NODE_FAIL', 'OUT_OF_MEMORY']) expect(isActive(s)).toBe(false);
  });
});

const submission: Submission = {
  schema: 1,
  id: '20260101T000000-1',
  createdAt: '2026-01-01T00:00:00.000Z',
  storeDir: '/store',
  plan: {} as Submission['plan'],
  backend: 'auto',
  slurm: { jobName: 'rethink-tl', extra: [] },
  runs: [0, 1].map((seed) => ({ configHash: `h${seed}`, grid: 'tiny', cellName: 'Dens-T1-RI', fraction: 1, seed })),
  jobId: '9',
};

const rec = (configHash: string, status: RunRecord['status'], startedAt: string, extra: Partial<RunRecord> = {}): RunRecord =>
  ({ schema: 1, status, configHash, startedAt, finishedAt: startedAt, wallSeconds: 42, ...extra }) as RunRecord;

function evidence(e: Partial<TaskEvidence>): TaskEvidence {
  return { queue: [], accounting: () => null, latest: new Map(), exit: () => null, ...e };
}

describe('taskStatus', () => {
  it('queued and running come from squeue, with the reason', () => {
    const queue = [
      { jobId: '9', task: 0, state: 'PENDING', detail: 'JobArrayTaskLimit' },
      { jobId: '9', task: 1, state: 'RUNNING', detail: '' },
    ];
    expect(taskStatus(submission, 0, evidence({ queue }))).toMatchObject({ phase: 'queued', detail: 'PENDING: JobArrayTaskLimit' });
    expect(taskStatus(submission, 1, evidence({ queue }))).toMatchObject({ phase: 'running', detail: 'RUNNING' });
  });

  it("another job's task with the same index is not this one", () => {
    const queue = [{ jobId: '8', task: 0, state: 'RUNNING', detail: '' }];
    expect(taskStatus(submission, 0, evidence({ queue })).phase).toBe('failed');
  });

  it('finished and failed come from the run record, wherever it is', () => {
    const latest = new Map([
      ['h0', rec('h0', 'ok', '2026-01-01T01:00:00.000Z', { resumedFromEpoch: 3 })],
      ['h1', rec('h1', 'failed', '2026-01-01T01:00:00.000Z', { error: { name: 'WeightsError', message: 'bad file' } })],
    ]);
    expect(taskStatus(submission, 0, evidence({ latest }))).toMatchObject({ phase: 'finished', detail: '42 s, resumed after epoch 3' });
    expect(taskStatus(submission, 1, evidence({ latest }))).toMatchObject({ phase: 'failed', detail: 'WeightsError: bad file' });
  });

  it("a failure recorded before the submission is not this task's outcome: its exit file or Slurm says what happened", () => {
    const latest = new Map([['h0', rec('h0', 'failed', '2025-12-31T00:00:00.000Z', { error: { name: 'Error', message: 'old' } })]]);
    expect(taskStatus(submission, 0, evidence({ latest, exit: () => 'signal TERM' }))).toMatchObject({ phase: 'failed', detail: 'no record; task ended with signal TERM' });
    const queue = [{ jobId: '9', task: 0, state: 'TIMEOUT', detail: '' }];
    expect(taskStatus(submission, 0, evidence({ latest, queue }))).toMatchObject({ phase: 'failed', detail: 'no record; Slurm says TIMEOUT' });
    const accounting = [{ jobId: '9', task: 0, state: 'PREEMPTED', detail: 'exit code 0:15' }];
    expect(taskStatus(submission, 0, evidence({ latest, accounting: () => accounting }))).toMatchObject({ phase: 'failed', detail: 'no record; Slurm says PREEMPTED, exit code 0:15' });
    expect(taskStatus(submission, 0, evidence({ latest })).detail).toMatch(/no record and no longer queued/);
  });

  it('without squeue and without a record the state is unknown, not failed', () => {
    expect(taskStatus(submission, 0, evidence({ queue: null })).phase).toBe('unknown');
  });

  it('a submission sbatch never accepted has nothing queued', () => {
    expect(taskStatus({ ...submission, jobId: null }, 0, evidence({})).detail).toMatch(/not submitted/);
  });
});
