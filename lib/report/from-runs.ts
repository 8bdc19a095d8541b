/**
 * Adapter: the runner's aggregated results (`summarizeRuns` + `gridRows` in lib/experiments/aggregate) -> report
 * cells (one bar per grid cell, fraction, label and metric), plus the provenance banner's facts from the runs.
 *
 * A bar's `mean` is the mean over seeds of the test-set metric of each run's selected epoch; its `spread` is the
 * runner's sample standard deviation over those seeds (n - 1 denominator; 0 for a single run). The paper does
 * not say what its error bars are (paper/README.md), so this is our choice, and the figures say "± SD over
 * seeds". AUPRC is the trapezoidal area (`auprc`), the paper's code's choice.
 *
 * Every cell of the grid gets its bars, run or not: a cell with no record in the store is 'unavailable' with
 * the reason given (e.g. "not run: runMissing is off"), so a figure shows what is missing instead of dropping it.
 */
import type { GridRow, Spread } from '../experiments/aggregate';
import { isModelId, MODELS } from '../models/registry';
import type { GridSpec, RunRecord } from '../experiments/types';
import { distinct, groupBy } from './cells';
import type { ProvenanceInfo, WeightsProvenance } from './provenance';
import type { CellResult, FigureId, Metric } from './types';

/** A stored model id -> the family name the paper's legends use (the registry's display name). */
export function modelFamilyName(modelId: string): string {
  return isModelId(modelId) ? MODELS[modelId].displayName : modelId;
}

export interface RunFilter {
  grid?: string;
  datasetId?: string;
  profile?: string;
  /** Keep only these seeds. */
  seeds?: number[];
}

export function selectRuns(records: readonly RunRecord[], filter: RunFilter): RunRecord[] {
  return records.filter(
    (r) =>
      (filter.grid === undefined || r.grid === filter.grid) &&
      (filter.datasetId === undefined || r.config.dataset.id === filter.datasetId) &&
      (filter.profile === undefined || r.config.profile === filter.profile) &&
      (filter.seeds === undefined || filter.seeds.includes(r.seed)),
  );
}

export interface GridCellsOptions {
  /** Figure id of the cells (default: the grid's id). */
  figure?: FigureId;
  /** Reason shown for grid cells with no stored run (default "not in the results store"). */
  notRunReason?: string;
  /** Fractions every cell should have; default: those found among the rows, else the grid's explicit list. */
  fractions?: number[];
  /** Label names when no row carries them (an empty store). */
  labelNames?: string[];
}

const sameFraction = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;
const reasonOf = (r: RunRecord): string | undefined => r.reason ?? r.error?.message;

/** One bar per grid cell x fraction x label x metric, in grid order. */
export function cellsFromGrid(grid: GridSpec, rows: readonly GridRow[], options: GridCellsOptions = {}): CellResult[] {
  const figure = options.figure ?? grid.id;
  const withSummary = rows.filter((r) => r.summary !== null);
  const labels = withSummary[0]?.summary?.config.dataset.labelNames ?? options.labelNames ?? [];
  const fractions =
    options.fractions ??
    (withSummary.length
      ? distinct(rows.map((r) => r.fraction)).sort((a, b) => a - b)
      : Array.isArray(grid.fractions)
        ? [...grid.fractions]
        : []);
  // A model keeps its truncation level in the bar name only when the grid has several levels of it (Figs. 6, 7);
  // in TL-vs-RI grids the full model is just "DenseNet121".
  const levels = new Map<string, Set<string>>();
  for (const c of grid.cells) {
    const set = levels.get(c.model.id) ?? new Set<string>();
    set.add(c.model.truncation ?? 'F');
    levels.set(c.model.id, set);
  }

  const cells: CellResult[] = [];
  for (const gc of grid.cells) {
    const level = gc.model.truncation ?? 'F';
    const truncation = (levels.get(gc.model.id)?.size ?? 1) > 1 || level !== 'F' ? { truncation: level } : {};
    for (const fraction of fractions) {
      const row = rows.find((r) => r.cellName === gc.name && sameFraction(r.fraction, fraction));
      const summary = row?.summary ?? null;
      for (const [j, label] of labels.entries()) {
        for (const metric of ['AUROC', 'AUPRC'] as Metric[]) {
          const cell: CellResult = {
            figure,
            model: modelFamilyName(gc.model.id),
            init: gc.init,
            ...truncation,
            fraction,
            label,
            metric,
            mean: NaN,
            spread: 0,
            n: 0,
            status: 'unavailable',
          };
          if (!summary) {
            cell.reason = options.notRunReason ?? 'not in the results store';
          } else if (summary.status === 'ok' || summary.status === 'partial') {
            const labelSummary = summary.labels[j] ?? summary.labels.find((l) => l.label === label);
            const s: Spread | null = labelSummary?.[metric === 'AUROC' ? 'auroc' : 'auprc'] ?? null;
            if (s && s.n > 0) {
              Object.assign(cell, { mean: s.mean, spread: s.std, n: s.n, status: 'ok' });
              const ci = labelSummary?.[metric === 'AUROC' ? 'aurocCI' : 'auprcCI'] ?? null;
              if (ci && Number.isFinite(ci.lower) && Number.isFinite(ci.upper)) cell.ci = { lower: ci.lower, upper: ci.upper };
            } else {
              cell.reason = `${metric} undefined for '${label}' on the test split (no positives or no negatives)`;
            }
          } else {
            cell.status = summary.status === 'failed' ? 'failed' : 'unavailable';
            const reason = summary.reason ?? summary.errors[0];
            if (reason !== undefined) cell.reason = reason;
          }
          cells.push(cell);
        }
      }
    }
  }
  return cells;
}

/** The banner's facts, gathered from the runs behind a figure (several values are listed, never hidden). */
export function provenanceFromRuns(
  records: readonly RunRecord[],
  extra: { title?: string; profile: string; resultsStore?: string; notes?: string[]; seedsAsked?: readonly number[] },
): ProvenanceInfo | undefined {
  const withProv = records.filter((r) => r.provenance);
  const p = withProv[0]?.provenance;
  const first = records[0];
  if (!first) return undefined;
  const okRuns = records.filter((r) => r.status === 'ok');
  const perBar = [...groupBy(okRuns, (r) => `${r.grid}|${r.cellName}|${r.config.fraction}`).values()].map((g) => g.length);

  // One line per model family (a family's TL runs share one weights source), e.g. "ResNet50K: Keras ResNet50 ...".
  const weights: WeightsProvenance[] = [];
  for (const runs of groupBy(records.filter((r) => r.config.cell.init === 'TL'), (r) => r.config.cell.model.id).values()) {
    const r = runs.find((x) => x.provenance?.weights) ?? runs.find((x) => x.status === 'ok') ?? runs[0];
    const w = r.provenance?.weights ?? null;
    const source = w
      ? w.title || w.source
      : r.status === 'unavailable'
        ? (reasonOf(r) ?? 'unavailable').split(' (')[0]
        : (r.config.weights?.source ?? 'unknown');
    const wp: WeightsProvenance = { model: modelFamilyName(r.config.cell.model.id), source };
    const sha = w?.sha256 ?? r.config.weights?.sha256;
    if (sha) wp.sha256 = sha;
    weights.push(wp);
  }
  const backends = distinct(withProv.map((r) => {
    const b = r.provenance!.backend;
    return b ? `${b.backend} (${b.package} ${b.version}, ${b.threads} thread${b.threads === 1 ? '' : 's'})` : `tfjs ${r.provenance!.tfjsVersion}`;
  }));
  const commits = distinct(withProv.map((r) => r.provenance!.gitCommit).filter((c): c is string => !!c));
  const splitHashes = distinct(records.map((r) => r.config.split.hash));
  const notes = [...(extra.notes ?? [])];
  if (splitHashes.length > 1) notes.push(`runs use ${splitHashes.length} different splits: ${splitHashes.map((h) => h.slice(0, 12)).join(', ')}`);
  if (commits.length > 1) notes.push(`runs come from ${commits.length} code versions: ${commits.map((c) => c.slice(0, 12)).join(', ')}`);
  if (withProv.some((r) => r.provenance!.gitDirty)) notes.push('some runs were made from a work tree with uncommitted changes');
  const hosts = distinct(withProv.map((r) => `${r.provenance!.host.platform}, ${r.provenance!.host.cpus} CPUs`));
  if (hosts.length) notes.push(`trained on ${hosts.join('; ')}`);

  const info: ProvenanceInfo = {
    dataset: {
      id: first.config.dataset.id,
      title: p?.dataset.title,
      contentHash: first.config.dataset.contentHash,
      splitHash: splitHashes[0],
      synthetic: first.config.dataset.synthetic,
    },
    weights,
    backend: { name: backends.join('; ') || 'unknown (no run recorded its backend)' },
    profile: extra.profile,
    // The seeds behind the bars are those of finished runs; a planned or unavailable run adds none.
    seeds: distinct(okRuns.map((r) => r.seed)).sort((a, b) => a - b),
    runsPerBar: perBar.length ? { min: Math.min(...perBar), max: Math.max(...perBar) } : 0,
    notes,
  };
  if (p) {
    const c = p.dataset.counts;
    info.dataset.images = c.train.items + c.val.items + c.test.items;
  }
  const seedsWithoutRuns = (extra.seedsAsked ?? []).filter((seed) => !info.seeds.includes(seed));
  if (seedsWithoutRuns.length > 0) info.seedsWithoutRuns = seedsWithoutRuns;
  if (extra.title) info.title = extra.title;
  if (commits[0]) info.gitCommit = commits[0];
  if (extra.resultsStore) info.resultsStore = extra.resultsStore;
  return info;
}
