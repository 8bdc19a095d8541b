/**
 * The figure notebooks' data call, `figureJob`: reads (and, with `runMissing`, first completes) the results
 * store for one grid in a child process (figure-job-main.ts under tsx) and returns plain data. The notebook
 * kernel then holds no tfjs state and never compiles the training stack; progress lines stream back while runs
 * train. Only Node built-ins and the report's own types are imported here, so tslab compiles this file alone.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { FigureJobError } from '../errors';
import type { ProvenanceInfo } from '../provenance';
import type { TestSplitCounts } from '../test-set-size';
import type { CellResult } from '../types';

export interface FigureJobRequest {
  /** Grid id: fig3, fig4, fig6, fig7. */
  grid: string;
  /** What the runner loads (see `chooseFigureDataset`). */
  dataset: { id: string; options: Record<string, unknown> };
  /** Training profile id: quick, cpu, paper. */
  profile: string;
  seeds: number;
  storeDir: string;
  runMissing: boolean;
  workers?: number;
  /** Weight files for TL cells, by model id (see lib/models WeightsPaths). */
  weights?: Record<string, string>;
  /** Where TL cells start from (lib/models/registry.ts TL_SOURCES; default the grid's own, ImageNet). */
  tlSource?: string;
  title?: string;
  notRunReason?: string;
  notes?: string[];
}

export interface FigureJobResult {
  /** `mean` is null (not NaN) for bars that are not 'ok': JSON has no NaN. */
  cells: Array<Omit<CellResult, 'mean'> & { mean: number | null }>;
  provenance: ProvenanceInfo;
  testCounts: TestSplitCounts[];
  /** Runs the plan calls for that the store does not hold finished. */
  missing: number;
  fractions: number[];
  /** The fractions and why these (the grid's own, or the runner's choice for this dataset). */
  fractionNote: string;
  dataset: { id: string; title: string; synthetic: boolean; labelNames: string[] };
  storedRuns: number;
  /** Display names of the models whose TL cells started from the request's non-ImageNet tlSource. */
  tlSourceModels?: string[];
  /** Present when runMissing was set: what this call trained. */
  trained?: { ok: number; failed: number; unavailable: number; alreadyDone: number; wallSeconds: number };
}

export interface FigureJobOptions {
  /** Called for each progress line while runs train. */
  onProgress?: (done: number, total: number, note: string) => void;
  /** Called with any other output of the child (warnings, worker logs). */
  onLog?: (line: string) => void;
  /** Repository root (default: two levels above this file). */
  repoRoot?: string;
}

/** The cells with NaN restored for bars that have no value, ready for the report functions. */
export function jobCells(result: FigureJobResult): CellResult[] {
  return result.cells.map((c) => ({ ...c, mean: c.mean ?? NaN }));
}

export function figureJob(request: FigureJobRequest, options: FigureJobOptions = {}): Promise<FigureJobResult> {
  const root = options.repoRoot ?? path.resolve(__dirname, '../../..');
  const entry = path.join(root, 'lib', 'report', 'io', 'figure-job-main.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs', { paths: [root] }), entry, JSON.stringify(request)], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A notebook's interrupt is SIGINT to the kernel (this process) only: pass it on, so the runner in the child
    // stops its runs at their next batch instead of training on after the cell was interrupted.
    const forwardInterrupt = (): void => {
      child.kill('SIGINT');
    };
    process.on('SIGINT', forwardInterrupt);
    let result: FigureJobResult | undefined;
    let failure: { name: string; message: string } | undefined;
    let buffered = '';
    let stderr = '';
    const onLine = (line: string): void => {
      if (!line.startsWith('{"type":')) {
        if (line.trim()) options.onLog?.(line);
        return;
      }
      const msg = JSON.parse(line) as
        | { type: 'progress'; done: number; total: number; note: string }
        | { type: 'result'; data: FigureJobResult }
        | { type: 'error'; name: string; message: string };
      if (msg.type === 'progress') options.onProgress?.(msg.done, msg.total, msg.note);
      else if (msg.type === 'result') result = msg.data;
      else failure = { name: msg.name, message: msg.message };
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      for (const line of chunk.split('\n')) if (line.trim()) options.onLog?.(line);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      process.off('SIGINT', forwardInterrupt);
      if (buffered) onLine(buffered);
      if (result && code === 0) return resolve(result);
      const why = failure ? `${failure.name}: ${failure.message}` : `exit code ${code}${stderr ? `: ${stderr.trim().split('\n').slice(-5).join(' | ')}` : ''}`;
      reject(new FigureJobError(`figure job for grid '${request.grid}' failed: ${why}`, { key: request.grid }));
    });
  });
}
