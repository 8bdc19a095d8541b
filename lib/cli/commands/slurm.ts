/**
 * The Slurm executor's command line: `run --executor slurm` and its scheduler options, `run-one` (what each array
 * task runs), `collect` (shards into the store) and the submission section of `status`.
 */
import * as path from 'node:path';
import { Option, type Command } from 'commander';
import type { BackendChoice } from '../../backend/index';
import { ConfigError } from '../../errors';
import type { DatasetRef, GridSpec } from '../../experiments/types';
import { getProfile } from '../../experiments/profiles';
import { collectShards, readShards } from '../../experiments/shards';
import { defineSlurmOptions, type SlurmOptions } from '../../experiments/slurm/options';
import { arraySpec } from '../../experiments/slurm/script';
import { submissionStatus, type TaskPhase } from '../../experiments/slurm/status';
import { listSubmissions, runLabel } from '../../experiments/slurm/submission';
import { submitGrid } from '../../experiments/slurm/submit';
import { runSubmittedRun } from '../../experiments/slurm/task';
import { collect, parseWeights, positiveInt } from '../options';
import { createProgressView } from '../progress';
import { formatTable } from '../table';
import { DEFAULT_STORE, EXIT, type Outcome } from './common';

/** `run`'s Slurm options and the SlurmOptions key each sets. */
const SLURM_FLAGS: Array<{ flag: string; arg: string; help: string; key: keyof SlurmOptions; parse?: (value: string, previous: never) => unknown }> = [
  { flag: '--partition', arg: '<name>', help: 'Slurm: partition', key: 'partition' },
  { flag: '--account', arg: '<name>', help: 'Slurm: account to charge', key: 'account' },
  { flag: '--time', arg: '<limit>', help: 'Slurm: time limit per run, e.g. 4:00:00 or 1-00:00:00', key: 'time' },
  { flag: '--cpus-per-task', arg: '<n>', help: 'Slurm: CPUs per run (the CPU backends use as many threads)', key: 'cpusPerTask', parse: positiveInt('--cpus-per-task') },
  { flag: '--mem', arg: '<size>', help: 'Slurm: memory per run, e.g. 16G', key: 'mem' },
  { flag: '--gres', arg: '<spec>', help: 'Slurm: generic resources per run, e.g. gpu:1', key: 'gres' },
  { flag: '--max-concurrent', arg: '<n>', help: 'Slurm: at most this many runs at once (--array=...%n)', key: 'maxConcurrent', parse: positiveInt('--max-concurrent') },
  { flag: '--job-name', arg: '<name>', help: 'Slurm: job name (default rethink-tl)', key: 'jobName' },
  { flag: '--sbatch', arg: '<option>', help: 'Slurm: a further #SBATCH option, e.g. --sbatch=--qos=long (repeatable)', key: 'extra', parse: collect as never },
  { flag: '--setup', arg: '<commands>', help: "Slurm: shell commands each run starts with, e.g. 'module load cuda/11.8'", key: 'setup' },
];

export const SLURM_EXAMPLE =
  '  rethink-tl run fig4+fig6 --data covid-cohen --profile paper --executor slurm --partition gpu --gres gpu:1 --time 8:00:00 --max-concurrent 8';

export function addExecutorOptions(command: Command): Command {
  command.addOption(
    new Option('--executor <executor>', 'where runs train: local worker processes, or a Slurm job array (one task per run)').choices(['local', 'slurm']).default('local'),
  );
  for (const f of SLURM_FLAGS) {
    if (f.parse) command.option(`${f.flag} ${f.arg}`, f.help, f.parse as (value: string, previous: unknown) => unknown);
    else command.option(`${f.flag} ${f.arg}`, f.help);
  }
  return command;
}

/** Which executor `run` uses, with its Slurm options; an option of the other executor is an error naming it. */
export function executorChoice(command: Command): { executor: 'local' } | { executor: 'slurm'; slurm: SlurmOptions } {
  const attribute = (flag: string): string => command.options.find((o) => o.long === flag)!.attributeName();
  const given = SLURM_FLAGS.filter((f) => command.getOptionValueSource(attribute(f.flag)) === 'cli');
  if (command.opts().executor !== 'slurm') {
    if (given.length > 0) throw new ConfigError(`${given.map((f) => f.flag).join(', ')}: only with --executor slurm`, { field: given[0]!.flag });
    return { executor: 'local' };
  }
  if (command.getOptionValueSource('workers') === 'cli') {
    throw new ConfigError('--workers: only with --executor local (with slurm each run is one array task; --max-concurrent limits how many run at once)', {
      field: 'workers',
    });
  }
  const values = Object.fromEntries(given.map((f) => [f.key, command.opts()[attribute(f.flag)]]));
  return { executor: 'slurm', slurm: defineSlurmOptions(values) };
}

export interface SlurmRunRequest {
  grids: GridSpec[];
  dataset: DatasetRef;
  slurm: SlurmOptions;
  /** `run`'s parsed options. */
  opts: Record<string, unknown>;
}

/** `run ... --executor slurm`: submit the grid's missing runs as one job array (or print its script with --dry-run). */
export async function submitToSlurm({ grids, dataset, slurm, opts }: SlurmRunRequest): Promise<void> {
  const storeDir = path.resolve(String(opts.store));
  const result = await submitGrid({
    grids,
    dataset,
    profile: getProfile(String(opts.profile)),
    ...(opts.seeds !== undefined ? { seeds: opts.seeds as number } : {}),
    ...(opts.fractions !== undefined ? { fractions: opts.fractions as number[] } : {}),
    weights: parseWeights(opts.weights as string[]),
    ...(opts.workDir ? { workDir: path.resolve(String(opts.workDir)) } : {}),
    storeDir,
    backend: opts.backend as BackendChoice,
    retryFailed: opts.retryFailed as boolean,
    slurm,
    dryRun: !!opts.dryRun,
  });
  const { plan, submitted, submission } = result;
  const err = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  err(
    `plan: ${plan.runs.length + plan.unavailable.length} runs: ${result.alreadyDone} finished, ${result.stillActive} queued or running in an earlier submission, ` +
      `${plan.unavailable.length} unavailable here${result.skippedFailed ? `, ${result.skippedFailed} failed (not retried)` : ''}, ${submitted.length} to submit`,
  );
  if (!submission || !result.script) {
    process.stdout.write('nothing to submit: every run is finished, unavailable here, or queued or running in an earlier submission\n');
    return;
  }
  if (opts.dryRun) {
    process.stdout.write(result.script);
    err(`dry run: nothing submitted (array ${arraySpec(submitted.length, slurm.maxConcurrent)})`);
    return;
  }
  process.stdout.write(`submitted ${submitted.length} runs as Slurm job ${submission.jobId} (array ${arraySpec(submitted.length, slurm.maxConcurrent)}), submission ${submission.id}\n`);
  err(`follow: rethink-tl status --store ${storeDir}; when the tasks are done: rethink-tl collect --store ${storeDir}`);
}

function addRunOne(program: Command, outcome: Outcome): void {
  program
    .command('run-one')
    .description('Train one run of a submitted grid by its configuration hash and write its record to a shard beside the store (what each Slurm array task runs)')
    .argument('<hash>', "the run's configuration hash")
    .requiredOption('--submission <file>', 'the submission file (<store>/slurm/<id>/submission.json) whose grid is planned again')
    .action(async (hash: string, opts) => {
      const view = createProgressView();
      let result;
      try {
        result = await runSubmittedRun(path.resolve(opts.submission), hash, (e) => view.onEvent(e));
      } finally {
        view.stop();
      }
      if (!result.record) {
        process.stdout.write(`run ${hash} is already finished; nothing to do\n`);
        return;
      }
      process.stdout.write(`${result.record.status} run ${hash} (${result.spec.grid} ${result.spec.cellName}); record in ${result.shard}\n`);
      if (result.record.status === 'failed') outcome.code = EXIT.runsFailed;
    });
}

function addCollect(program: Command, outcome: Outcome): void {
  program
    .command('collect')
    .description("Merge the shards the Slurm tasks wrote beside the store into it (idempotent: nothing twice, a corrupt shard named and left in place)")
    .option('--store <dir>', 'results store directory', DEFAULT_STORE)
    .action((opts) => {
      const storeDir = path.resolve(opts.store);
      const { merged, duplicates, bad } = collectShards(storeDir);
      for (const b of bad) process.stderr.write(`rethink-tl: skipped shard ${b.file}: ${b.reason}\n`);
      const by = (status: string): number => merged.filter((s) => s.record.status === status).length;
      process.stdout.write(
        `collected ${merged.length} records into ${storeDir} (${by('ok')} finished, ${by('failed')} failed, ${by('unavailable')} unavailable); ` +
          `${duplicates.length} duplicates dropped; ${bad.length} shards skipped\n`,
      );
      if (bad.length > 0) outcome.code = EXIT.runsFailed;
    });
}

export function addSlurmCommands(program: Command, outcome: Outcome): void {
  addRunOne(program, outcome);
  addCollect(program, outcome);
}

const PHASES: TaskPhase[] = ['queued', 'running', 'finished', 'failed', 'unavailable', 'unknown'];

/** `status`'s Slurm section: the tasks of a submission (the latest by default) and the shards waiting for collect. */
export function slurmStatus(storeDir: string, submissionId: string | undefined, outcome: Outcome): void {
  const submissions = listSubmissions(storeDir);
  if (submissionId !== undefined && !submissions.some((s) => s.id === submissionId)) {
    throw new ConfigError(`status --submission: no submission '${submissionId}' in ${storeDir} (there: ${submissions.map((s) => s.id).join(', ') || 'none'})`, {
      field: 'submission',
    });
  }
  const submission = submissionId !== undefined ? submissions.find((s) => s.id === submissionId)! : submissions[submissions.length - 1];
  const out: string[] = [];
  if (submission) {
    const { tasks, notes } = submissionStatus(storeDir, submission);
    // The four states always, the rare ones when they occur.
    const counts = PHASES.map((p) => [p, tasks.filter((t) => t.phase === p).length] as const).filter(([p, n]) => n > 0 || PHASES.indexOf(p) < 4);
    out.push(`\nSlurm submission ${submission.id}, job ${submission.jobId ?? '(not submitted)'}, ${tasks.length} runs: ${counts.map(([p, n]) => `${n} ${p}`).join(', ')}`);
    const shown = tasks.length <= 50 ? tasks : tasks.filter((t) => t.phase !== 'finished');
    out.push(formatTable(['task', 'run', 'state', 'detail'], shown.map((t) => [String(t.task), runLabel(t.run), t.phase, t.detail.slice(0, 100)])));
    out.push(...notes.map((n) => `note: ${n}`));
    if (submissions.length > 1) out.push(`${submissions.length - 1} earlier submissions (status --submission <id>): ${submissions.filter((s) => s !== submission).map((s) => s.id).join(', ')}`);
    if (tasks.some((t) => t.phase === 'failed')) outcome.code = EXIT.runsFailed;
  }
  const { shards, bad } = readShards(storeDir);
  if (shards.length + bad.length > 0) out.push(`${shards.length} records in shards not yet in the store (rethink-tl collect)${bad.length ? `; ${bad.length} corrupt shards` : ''}`);
  if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
}
