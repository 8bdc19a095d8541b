/**
 * A submission: one job array of runs, described in `<store>/slurm/<id>/submission.json` together with the
 * inputs that plan its grid (so each task plans it again and finds its run by hash), its batch script, one log
 * per task (`logs/`) and one exit file per finished or signalled task (`exit/`). The store folder must be on a
 * file system every node sees.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendChoice } from '../../backend/index';
import { ConfigError } from '../../errors';
import { writeFileAtomic } from '../../train/files';
import type { DatasetRef, GridSpec, ProfileSpec, WeightsPaths } from '../types';
import type { SlurmOptions } from './options';

export const SUBMISSIONS_DIR = 'slurm';
const SUBMISSION_FILE = 'submission.json';

/** What planning the grid takes (PlanOptions with explicit seeds), as JSON. */
export interface PlanInputs {
  grids: GridSpec[];
  dataset: DatasetRef;
  profile: ProfileSpec;
  seeds: number[];
  /** Only these training fractions (PlanOptions.fractions). */
  fractions?: number[];
  weights: WeightsPaths;
  workDir: string;
}

/** One array task: its run, and what a person reading the status table needs to recognise it. */
export interface SubmittedRun {
  configHash: string;
  grid: string;
  cellName: string;
  fraction: number;
  seed: number;
}

export interface Submission {
  schema: 1;
  id: string;
  createdAt: string;
  storeDir: string;
  plan: PlanInputs;
  backend: BackendChoice;
  slurm: SlurmOptions;
  /** Array task i runs runs[i]. */
  runs: SubmittedRun[];
  /** Set once sbatch has accepted the array. */
  jobId: string | null;
}

export interface SubmissionPaths {
  dir: string;
  file: string;
  script: string;
  logs: string;
  exits: string;
}

export function submissionPaths(storeDir: string, id: string): SubmissionPaths {
  const dir = path.join(path.resolve(storeDir), SUBMISSIONS_DIR, id);
  return { dir, file: path.join(dir, SUBMISSION_FILE), script: path.join(dir, 'job.sbatch'), logs: path.join(dir, 'logs'), exits: path.join(dir, 'exit') };
}

/** Sortable and unique per submitting process: UTC time to the second, then the pid. */
export function newSubmissionId(now: Date = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${process.pid}`;
}

/** A run's line in scripts and tables: 'fig4 DenseNet121-TL 25% seed 0'. */
export function runLabel(run: SubmittedRun): string {
  return `${run.grid} ${run.cellName} ${Number((run.fraction * 100).toPrecision(6))}% seed ${run.seed}`;
}

export function writeSubmission(submission: Submission): SubmissionPaths {
  const paths = submissionPaths(submission.storeDir, submission.id);
  fs.mkdirSync(paths.logs, { recursive: true });
  fs.mkdirSync(paths.exits, { recursive: true });
  writeFileAtomic(paths.file, `${JSON.stringify(submission, null, 1)}\n`);
  return paths;
}

export function readSubmission(file: string): Submission {
  let submission: Submission;
  try {
    submission = JSON.parse(fs.readFileSync(file, 'utf8')) as Submission;
  } catch (error) {
    throw new ConfigError(`${file}: cannot read the submission (${(error as Error).message})`, { file });
  }
  if (submission?.schema !== 1 || !Array.isArray(submission.runs) || typeof submission.plan !== 'object' || typeof submission.id !== 'string') {
    throw new ConfigError(`${file}: not a rethink-tl submission (schema 1 with id, plan and runs)`, { file });
  }
  return submission;
}

/** The store's submissions, oldest first. */
export function listSubmissions(storeDir: string): Submission[] {
  const root = path.join(path.resolve(storeDir), SUBMISSIONS_DIR);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((id) => fs.existsSync(submissionPaths(storeDir, id).file))
    .map((id) => readSubmission(submissionPaths(storeDir, id).file))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** The exit file a task leaves: 'exit <code>', 'signal TERM' or 'setup failed (exit <code>)'; null while none. */
export function readExitFile(paths: SubmissionPaths, task: number): string | null {
  const file = path.join(paths.exits, String(task));
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : null;
}
