/**
 * The Slurm commands the executor uses (sbatch, squeue, sacct), and parsers of their machine-readable output.
 * Without a Slurm accounting database `sacct` answers "accounting storage is disabled"; then finished tasks are
 * known from `squeue --states=all` while slurmctld still remembers them (MinJobAge, 5 minutes by default) and
 * from the tasks' own shards and exit files.
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { ConfigError } from '../../errors';

export interface TaskState {
  /** The array's job id (squeue %F, sacct's part before '_'). */
  jobId: string;
  task: number;
  /** Slurm's state name: PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT, PREEMPTED, FAILED, ... */
  state: string;
  /** squeue: why it is pending (Resources, Priority, JobArrayTaskLimit...); sacct: the exit code. */
  detail: string;
}

/** States in which a task has not finished: it is waiting, running, or coming back. */
const ACTIVE_STATES = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'STOPPED', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'RESV_DEL_HOLD']);

export function isActive(state: string): boolean {
  return ACTIVE_STATES.has(state.split(' ')[0]!);
}

interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

function runCommand(command: string, args: string[]): CommandResult {
  const r = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  if (r.error && !missing) throw r.error;
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '').trim(), missing };
}

const notOnPath = (command: string): ConfigError =>
  new ConfigError(`${command} not found on PATH: --executor slurm needs the Slurm client commands (run it on the cluster's login node)`, { key: command });

/** `sbatch --parsable` prints '<job id>' or '<job id>;<cluster>'. */
export function parseSbatch(stdout: string): string {
  const id = stdout.trim().split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new ConfigError(`sbatch printed '${stdout.trim()}', not a job id`, { key: 'sbatch' });
  return id;
}

/** Submits a batch script; returns the job id. */
export function sbatch(scriptFile: string): string {
  const r = runCommand('sbatch', ['--parsable', scriptFile]);
  if (r.missing) throw notOnPath('sbatch');
  if (r.status !== 0) throw new ConfigError(`sbatch ${scriptFile} failed (exit ${r.status}): ${r.stderr}`, { file: scriptFile });
  return parseSbatch(r.stdout);
}

export const SQUEUE_FORMAT = '%F|%K|%T|%r';

/** Lines of `squeue --array --format='%F|%K|%T|%r'`; non-array jobs (task 'N/A') are not ours and are dropped. */
export function parseSqueue(stdout: string): TaskState[] {
  return stdout
    .split('\n')
    .map((line) => line.trim().split('|'))
    .filter((f) => f.length === 4 && /^\d+$/.test(f[0]!) && /^\d+$/.test(f[1]!))
    .map(([jobId, task, state, reason]) => ({ jobId: jobId!, task: Number(task), state: state!, detail: reason! === 'None' ? '' : reason! }));
}

/**
 * This user's array tasks in the given jobs, finished ones included while slurmctld remembers them; null when
 * squeue cannot be asked (not on a Slurm node), with the reason.
 */
export function queueStates(jobIds: string[]): { states: TaskState[] } | { unavailable: string } {
  if (jobIds.length === 0) return { states: [] };
  // By user rather than --jobs: squeue fails on a job id it has already forgotten.
  const r = runCommand('squeue', ['--noheader', '--array', '--states=all', `--user=${os.userInfo().username}`, `--format=${SQUEUE_FORMAT}`]);
  if (r.missing) return { unavailable: 'squeue not found on PATH' };
  if (r.status !== 0) return { unavailable: `squeue failed (exit ${r.status}): ${r.stderr}` };
  const wanted = new Set(jobIds);
  return { states: parseSqueue(r.stdout).filter((s) => wanted.has(s.jobId)) };
}

/** Lines of `sacct --parsable2 --noheader --format=JobID,State,ExitCode`: array tasks only (not their steps). */
export function parseSacct(stdout: string): TaskState[] {
  return stdout
    .split('\n')
    .map((line) => line.trim().split('|'))
    .filter((f) => f.length === 3 && /^\d+_\d+$/.test(f[0]!))
    .map(([id, state, exitCode]) => {
      const [jobId, task] = id!.split('_');
      // 'CANCELLED by 0' -> 'CANCELLED'; the detail keeps the exit code ('0:15' is signal 15).
      return { jobId: jobId!, task: Number(task), state: state!.split(' ')[0]!, detail: `exit code ${exitCode}` };
    });
}

/** Final task states from the accounting database, or why there are none (no sacct, accounting disabled). */
export function accountingStates(jobIds: string[]): { states: TaskState[] } | { unavailable: string } {
  if (jobIds.length === 0) return { states: [] };
  const r = runCommand('sacct', ['--noheader', '--parsable2', `--jobs=${jobIds.join(',')}`, '--format=JobID,State,ExitCode']);
  if (r.missing) return { unavailable: 'sacct not found on PATH' };
  if (r.status !== 0 || /accounting storage is disabled/i.test(r.stderr)) return { unavailable: r.stderr || `sacct failed (exit ${r.status})` };
  return { states: parseSacct(r.stdout) };
}
