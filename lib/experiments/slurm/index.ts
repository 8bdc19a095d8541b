/**
 * The Slurm executor: a grid's missing runs as one job array (submit.ts), what each task runs (task.ts), where
 * the tasks stand (status.ts), the batch script (script.ts), the scheduler's commands (scheduler.ts) and the
 * submission files (submission.ts). Results come back as shards beside the store (../shards.ts).
 */
export { defineSlurmOptions, type SlurmOptions } from './options';
export { batchScript, arraySpec, type BatchScriptInput } from './script';
export { submitGrid, DEFAULT_TASK_COMMAND, type SubmitGridOptions, type SubmitGridResult } from './submit';
export { runSubmittedRun, type SubmittedRunResult } from './task';
export { submissionStatus, activeRuns, taskStatus, type TaskPhase, type TaskStatus } from './status';
export { listSubmissions, readSubmission, submissionPaths, type Submission, type SubmittedRun, type PlanInputs } from './submission';
