/**
 * What a figure notebook needs, in two calls: `loadFigureData` (read the results store for exactly the runs this
 * grid, dataset, profile and seed count call for; never trains) and `runMissing` (train only what the store
 * lacks, then read). The runs are identified by configuration hash, so a bar never mixes runs from another
 * dataset, split, profile or code setting.
 */
import path from 'node:path';
import { gridRows, summarizeRuns } from '../../experiments/aggregate';
import { chooseSplit, labelCounts } from '../../experiments/data-plan';
import { planRuns, type Plan } from '../../experiments/plan';
import { runGrid, type RunGridResult, type RunnerEvent } from '../../experiments/runner';
import { readResults } from '../../experiments/store';
import type { DatasetRef, GridSpec, ProfileSpec, RunRecord, WeightsPaths } from '../../experiments/types';
import { cellsFromGrid, provenanceFromRuns } from '../from-runs';
import { formatFraction } from '../labels';
import type { ProvenanceInfo } from '../provenance';
import type { CellResult, FigureId } from '../types';

export interface FigureDataOptions {
  grid: GridSpec;
  dataset: DatasetRef;
  profile: ProfileSpec;
  /** Number of seeds (0..n-1). */
  seeds: number;
  /** Results store directory (holding runs.jsonl). */
  storeDir: string;
  weights?: WeightsPaths;
  /** Figure id of the cells (default: the grid's id). */
  figure?: FigureId;
  /** Words for a bar with no stored run. */
  notRunReason?: string;
  /** Banner title and extra lines. */
  title?: string;
  notes?: string[];
}

export interface FigureData {
  cells: CellResult[];
  /** The stored runs behind the bars (latest per configuration). */
  records: RunRecord[];
  plan: Plan;
  /** Runs the plan calls for that the store does not have finished ('ok'). */
  missing: number;
  /** Training fractions of the bars, and where they come from. */
  fractions: number[];
  fractionNote: string;
  /** Positives and negatives per label in the test split every run is scored on. */
  testCounts: Array<{ label: string; positives: number; negatives: number }>;
  provenance: ProvenanceInfo;
}

function planOf(options: FigureDataOptions): Promise<Plan> {
  return planRuns({
    grids: [options.grid],
    dataset: options.dataset,
    profile: options.profile,
    seeds: options.seeds,
    ...(options.weights ? { weights: options.weights } : {}),
    workDir: path.join(options.storeDir, 'work'),
  });
}

/** Read-only: the bars from whatever the store holds; runs it lacks are listed as not run (or unavailable). */
export async function loadFigureData(options: FigureDataOptions): Promise<FigureData> {
  const plan = await planOf(options);
  const wanted = new Map([...plan.runs, ...plan.unavailable.map((u) => u.spec)].map((s) => [s.configHash, s]));
  const stored = readResults(options.storeDir).filter((r) => wanted.has(r.configHash));
  // Runs the plan already knows cannot be done here (missing weights) count as recorded, with that reason,
  // even when no runner has written them to the store yet.
  const recorded = new Set(stored.map((r) => r.configHash));
  const now = new Date(0).toISOString();
  const synthesized: RunRecord[] = plan.unavailable
    .filter((u) => !recorded.has(u.spec.configHash))
    .map(({ spec, reason }) => ({
      schema: 1,
      status: 'unavailable',
      configHash: spec.configHash,
      config: spec.config,
      grid: spec.grid,
      cellName: spec.cellName,
      seed: spec.config.seed,
      startedAt: now,
      finishedAt: now,
      wallSeconds: 0,
      reason,
    }));
  const records = [...stored, ...synthesized];
  // 1000 test-set resamples give each bar its 95% interval (about a second for a whole COVID grid).
  const rows = gridRows(options.grid, summarizeRuns(records, { bootstrap: 1000 }));
  // The grid's own fractions, or the dataset-dependent ladder the runner chose for it.
  const fractions = options.grid.fractions === 'dataset-default' ? [...plan.fractions.fractions] : [...options.grid.fractions].sort((a, b) => a - b);
  const fractionNote =
    options.grid.fractions === 'dataset-default'
      ? `training fractions: ${fractions.map(formatFraction).join(', ')} (${plan.fractions.reason})`
      : `training fractions: ${fractions.map(formatFraction).join(', ')} (fixed by the grid)`;
  const cells = cellsFromGrid(options.grid, rows, {
    figure: options.figure ?? options.grid.id,
    fractions,
    labelNames: plan.dataset.labelNames,
    notRunReason: options.notRunReason ?? 'not run yet',
  });
  const okHashes = new Set(stored.filter((r) => r.status === 'ok').map((r) => r.configHash));
  const missing = plan.runs.filter((s) => !okHashes.has(s.configHash)).length;
  const provenance = provenanceFromRuns(records, {
    profile: options.profile.id,
    resultsStore: options.storeDir,
    seedsAsked: Array.from({ length: options.seeds }, (_, seed) => seed),
    ...(options.title ? { title: options.title } : {}),
    notes: [...(options.notes ?? []), fractionNote],
  }) ?? {
    // Nothing planned at all (an empty grid): still say what was asked for.
    dataset: { id: plan.dataset.id, title: plan.dataset.title, contentHash: plan.dataset.contentHash, splitHash: plan.splitHash, synthetic: plan.dataset.synthetic },
    weights: [],
    backend: { name: 'none (no runs)' },
    profile: options.profile.id,
    seeds: [],
    runsPerBar: 0,
  };
  provenance.dataset.title = plan.dataset.title;
  provenance.dataset.images = plan.dataset.items.length;
  provenance.dataset.splitHash = plan.splitHash;
  const { splits } = chooseSplit(plan.dataset);
  const counts = labelCounts(splits.test, plan.dataset.labelNames.length);
  const testCounts = plan.dataset.labelNames.map((label, j) => ({ label, positives: counts.positives[j] ?? 0, negatives: counts.negatives[j] ?? 0 }));
  return { cells, records: stored, plan, missing, provenance, testCounts, fractions, fractionNote };
}

export interface RunMissingOptions extends FigureDataOptions {
  /** Worker processes (default 1); 0 trains inside this process. */
  workers?: number;
  onEvent?: (event: RunnerEvent) => void;
}

/** Train what the store lacks (finished runs are never recomputed), then read the figure's bars. */
export async function runMissing(options: RunMissingOptions): Promise<{ data: FigureData; run: RunGridResult }> {
  const run = await runGrid({
    grids: [options.grid],
    dataset: options.dataset,
    profile: options.profile,
    seeds: options.seeds,
    workers: options.workers ?? 1,
    storeDir: options.storeDir,
    ...(options.weights ? { weights: options.weights } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  return { data: await loadFigureData(options), run };
}

/**
 * A runner event as (done, total, note) for a progress line: runs finished out of runs to do, with the current
 * run's epoch and metric when training reports one.
 */
export function progressFromEvents(update: (done: number, total: number, note: string) => void): (event: RunnerEvent) => void {
  let total = 0;
  let done = 0;
  return (event) => {
    switch (event.type) {
      case 'plan':
        total = event.toRun.length;
        update(done, total, `${event.alreadyDone} already in the store, ${event.plan.unavailable.length} unavailable here`);
        break;
      case 'run-start':
        update(done, total, `running ${event.spec.cellName} @ ${Math.round(event.spec.config.fraction * 100)}%, seed ${event.spec.config.seed}`);
        break;
      case 'progress': {
        const e = event.event;
        if (e.type === 'batch') {
          const of = e.batches ? `/${e.batches}` : '';
          update(done, total, `${event.spec.cellName}: epoch ${e.epoch}/${e.epochs}, batch ${e.batch}${of}, loss ${e.loss.toFixed(3)}`);
        } else if (e.type === 'epoch-end') {
          update(done, total, `${event.spec.cellName}: epoch ${e.epoch}/${e.epochs} done${e.isBest ? ' (best so far)' : ''}`);
        } else if (e.type === 'resumed') {
          update(done, total, `${event.spec.cellName}: resumes from epoch ${e.fromEpoch}/${e.epochs} (its checkpoint)`);
        }
        break;
      }
      case 'run-end':
        done += 1;
        update(done, total, `${event.spec.cellName}: ${event.record.status} in ${event.record.wallSeconds.toFixed(0)} s`);
        break;
      default:
        break;
    }
  };
}
