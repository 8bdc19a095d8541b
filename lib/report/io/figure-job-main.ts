/**
 * Child-process entry of `figureJob` (figure-job.ts): plans the grid, trains what is missing when asked, reads the
 * results store, and writes JSON lines to stdout — `{"type":"progress",...}` while training, then one
 * `{"type":"result","data":...}` — or `{"type":"error",...}` and exit code 1.
 *
 * Why a child process: the notebook kernel (tslab) type-checks everything a cell imports with its own
 * TypeScript 5.0, and the training stack (tfjs backends, wasm kernels) is neither needed in the kernel nor
 * guaranteed to compile there; here it runs under tsx like the CLI. Usage:
 *   tsx lib/report/figure-job-main.ts '<FigureJobRequest as JSON>'
 */
import { getGrid, withTlSource } from '../../experiments/grids';
import { stopWhenParentDies } from '../../experiments/interrupt';
import { getProfile } from '../../experiments/profiles';
import { MODELS, modelsWithSource, type TlSource } from '../../models/registry';
import { loadFigureData, progressFromEvents, runMissing, type FigureData, type FigureDataOptions } from './figure-data';
import type { FigureJobRequest, FigureJobResult } from './figure-job';

let readerGone = false;
// The kernel that reads our lines is gone (EPIPE): stop writing, and stop the runs cleanly as if sent SIGTERM.
process.stdout.on('error', () => {
  if (!readerGone) process.kill(process.pid, 'SIGTERM');
  readerGone = true;
});

function emit(message: unknown): void {
  if (!readerGone) process.stdout.write(`${JSON.stringify(message)}\n`);
}

function toResult(data: FigureData, tlSource: TlSource, trained?: FigureJobResult['trained']): FigureJobResult {
  const result: FigureJobResult = {
    cells: data.cells.map((c) => ({ ...c, mean: Number.isFinite(c.mean) ? c.mean : null })),
    provenance: data.provenance,
    testCounts: data.testCounts,
    missing: data.missing,
    fractions: data.fractions,
    fractionNote: data.fractionNote,
    dataset: { id: data.plan.dataset.id, title: data.plan.dataset.title, synthetic: data.plan.dataset.synthetic, labelNames: data.plan.dataset.labelNames },
    storedRuns: data.records.length,
  };
  if (tlSource !== 'imagenet') result.tlSourceModels = modelsWithSource(tlSource).map((id) => MODELS[id].displayName);
  if (trained) result.trained = trained;
  return result;
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as FigureJobRequest;
  const paperGrid = getGrid(request.grid);
  const grid = request.tlSource ? withTlSource(paperGrid, request.tlSource) : paperGrid;
  const tlSource = grid.tlSource ?? 'imagenet';
  // The banner says where another TL source's cells start from (withTlSource's notes).
  const sourceNotes = grid.notes.filter((n) => !paperGrid.notes.includes(n));
  const options: FigureDataOptions = {
    grid,
    dataset: request.dataset,
    profile: getProfile(request.profile),
    seeds: request.seeds,
    storeDir: request.storeDir,
  };
  if (request.weights) options.weights = request.weights;
  if (request.title) options.title = request.title;
  if (request.notRunReason) options.notRunReason = request.notRunReason;
  if (request.notes || sourceNotes.length > 0) options.notes = [...(request.notes ?? []), ...sourceNotes];
  // Read first: when nothing is missing the store is never opened for writing, so a notebook can render while
  // a runner (which holds the single-writer lock) fills other cells of the same store.
  const stored = await loadFigureData(options);
  if (!request.runMissing || stored.missing === 0) {
    emit({ type: 'result', data: toResult(stored, tlSource) });
    return;
  }
  const onEvent = progressFromEvents((done, total, note) => emit({ type: 'progress', done, total, note }));
  const { data, run } = await runMissing({ ...options, workers: request.workers ?? 1, onEvent });
  emit({
    type: 'result',
    data: toResult(data, tlSource, { ok: run.ok, failed: run.failed, unavailable: run.unavailable, alreadyDone: run.alreadyDone, wallSeconds: run.wallSeconds }),
  });
}

stopWhenParentDies();
main().then(
  () => process.exit(0),
  (err: unknown) => {
    const e = err as Error;
    emit({ type: 'error', name: e?.name ?? 'Error', message: e?.message ?? String(err), details: (e as { details?: unknown })?.details });
    process.exit(1);
  },
);
