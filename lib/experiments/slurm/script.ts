/**
 * The batch script of a grid's Slurm job array: one array task per run, each running `rethink-tl run-one <hash>`
 * against the submission file, which holds everything needed to plan the grid again. Pure text generation, so
 * `--dry-run` prints exactly what `sbatch` would get.
 */
import { ConfigError } from '../../errors';
import type { SlurmOptions } from './options';

export interface ScriptRun {
  configHash: string;
  /** Shown beside the hash in the script, e.g. 'fig4 DenseNet121-TL 25% seed 0'. */
  label: string;
}

export interface BatchScriptInput {
  /** First comment line: what the array computes. */
  title: string;
  /** Absolute; the task's working directory, with logs/ and exit/ inside. */
  submissionDir: string;
  /** Absolute path of the submission JSON the tasks plan from. */
  submissionFile: string;
  runs: ScriptRun[];
  slurm: SlurmOptions;
  /** The rethink-tl command on the compute nodes, e.g. ['node', '/home/me/rethink-tl/bin/rethink-tl.js']. */
  command: string[];
}

/** A word the shell passes through unchanged: single quotes, with embedded single quotes closed and escaped. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `0-N` with `%max` when the number at once is limited. */
export function arraySpec(count: number, maxConcurrent: number | undefined): string {
  const range = count === 1 ? '0' : `0-${count - 1}`;
  return maxConcurrent !== undefined ? `${range}%${maxConcurrent}` : range;
}

function sbatchLines(input: BatchScriptInput): string[] {
  const { slurm, submissionDir } = input;
  const options: Array<[string, string | number | undefined]> = [
    ['job-name', slurm.jobName],
    ['array', arraySpec(input.runs.length, slurm.maxConcurrent)],
    ['chdir', submissionDir],
    // One log per task, appended to when Slurm requeues a preempted task.
    ['output', `${submissionDir}/logs/%A_%a.out`],
    ['open-mode', 'append'],
    ['partition', slurm.partition],
    ['account', slurm.account],
    ['time', slurm.time],
    ['cpus-per-task', slurm.cpusPerTask],
    ['mem', slurm.mem],
    ['gres', slurm.gres],
  ];
  return [
    ...options.filter(([, value]) => value !== undefined).map(([name, value]) => `#SBATCH --${name}=${value}`),
    ...slurm.extra.map((option) => `#SBATCH ${option}`),
  ];
}

export function batchScript(input: BatchScriptInput): string {
  if (input.runs.length === 0) throw new ConfigError('batchScript: no runs to submit');
  if (/[\s%]/.test(input.submissionDir)) {
    // sbatch reads #SBATCH values up to the first blank, and '%' starts one of its file name patterns.
    throw new ConfigError(`${input.submissionDir}: the store's path must not contain blanks or '%' to be used with Slurm`, {
      file: input.submissionDir,
    });
  }
  const exitDir = `${input.submissionDir}/exit`;
  const run = [...input.command, 'run-one', '"$hash"', '--submission', input.submissionFile]
    .map((word) => (word === '"$hash"' ? word : shellQuote(word)))
    .join(' ');
  const setup = input.slurm.setup
    ? [
        '# Setup (--setup), in this shell so that modules and environments stay loaded for the run.',
        '{',
        input.slurm.setup,
        '} || { code=$?; echo "setup failed (exit $code)" > "$exit_file"; exit "$code"; }',
        '',
      ]
    : [];
  return [
    '#!/bin/bash',
    `# ${input.title}`,
    `# Written by rethink-tl; plan: ${input.submissionFile}`,
    ...sbatchLines(input),
    'set -u',
    '',
    '# One run per array task, by configuration hash.',
    'runs=(',
    ...input.runs.map((r) => `  ${r.configHash}  # ${r.label.replace(/[\r\n]/g, ' ')}`),
    ')',
    'hash=${runs[$SLURM_ARRAY_TASK_ID]}',
    `exit_file=${shellQuote(exitDir)}/$SLURM_ARRAY_TASK_ID`,
    'echo "rethink-tl: task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID on $(hostname): run $hash"',
    '',
    ...setup,
    '# scancel, preemption and the time limit send TERM to the whole task: say so, and let the run stop (its last',
    '# epoch checkpoint stays in the work directory; resubmitting resumes from it).',
    'child=',
    `trap 'echo "signal TERM" > "$exit_file"; [ -n "$child" ] && wait "$child"; exit 143' TERM`,
    `${run} &`,
    'child=$!',
    'wait "$child"',
    'code=$?',
    'echo "exit $code" > "$exit_file"',
    'exit "$code"',
    '',
  ].join('\n');
}
