/**
 * What a grid's Slurm job array asks the scheduler for. One schema for the CLI and the library: values go into the
 * batch script as `#SBATCH` lines, so each is checked here (a newline or a stray option would change the script).
 */
import { z } from 'zod';
import { parseWith } from '../../util/schema';

export interface SlurmOptions {
  /** `--job-name` (default 'rethink-tl'). */
  jobName: string;
  partition?: string;
  account?: string;
  /** Time limit per task, in Slurm's spelling: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS. */
  time?: string;
  /** CPUs per task; the task's wasm backend uses as many threads. */
  cpusPerTask?: number;
  /** Memory per node, e.g. '16G'. */
  mem?: string;
  /** Generic resources per task, e.g. 'gpu:1' or 'gpu:a100:1'. */
  gres?: string;
  /** At most this many tasks at once (`--array=...%N`). */
  maxConcurrent?: number;
  /** Further sbatch options, one per `#SBATCH` line, e.g. '--qos=long' or '--constraint=avx2'. */
  extra: string[];
  /** Shell commands each task runs before the run, e.g. 'module load cuda/11.8' or 'source ~/venvs/tl/bin/activate'. */
  setup?: string;
}

const word = (what: string) => z.string().regex(/^[A-Za-z0-9_.+:,=@/-]+$/, `${what}: letters, digits and _.+:,=@/- only`);
const TIME = /^(\d+-\d{1,2}(:\d{1,2}){0,2}|\d+(:\d{1,2}){0,2})$/;

export const slurmOptionsSchema = z.strictObject({
  jobName: word('job name'),
  partition: word('partition').optional(),
  account: word('account').optional(),
  time: z.string().regex(TIME, 'a Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS').optional(),
  cpusPerTask: z.number().int().min(1).optional(),
  mem: z.string().regex(/^\d+[KMGT]?$/, "memory like '16G', '4000M' or '4000' (MiB)").optional(),
  gres: word('gres').optional(),
  maxConcurrent: z.number().int().min(1).optional(),
  // '#SBATCH --qos=long' and '--qos=long' are the same request.
  extra: z.array(
    z
      .string()
      .transform((line) => line.trim().replace(/^#SBATCH\s+/, ''))
      .pipe(z.string().regex(/^--?[A-Za-z][A-Za-z-]*(=\S+| \S+)?$/, "one sbatch option per entry, like '--qos=long'")),
  ),
  setup: z
    .string()
    .min(1)
    .refine((s) => !s.includes('\0'), 'no NUL bytes')
    .optional(),
}) satisfies z.ZodType<SlurmOptions, unknown>;

/** Checks and fills in the defaults: unknown keys and bad values are errors naming the option. */
export function defineSlurmOptions(options: Partial<SlurmOptions>): SlurmOptions {
  return parseWith(slurmOptionsSchema, { jobName: 'rethink-tl', extra: [], ...options }, 'slurm options');
}
