/**
 * Aggregation as the paper's bars show it: per cell (everything but the seed), the mean and spread over seeds
 * of each label's test AUROC / AUPRC / AP, plus a bootstrap CI of that seed-mean over test-set resampling.
 */
import { auprc, auroc, averagePrecision, bootstrapCI } from '../metrics/index';
import { canonicalJson, hashJson } from '../util/hash';
import { normalizeModelSpec } from './model-factory';
import { latestByConfig } from './store';
import type { GridSpec, Init, RunConfig, RunRecord, RunStatus } from './types';

export interface Spread {
  mean: number;
  /** Sample standard deviation over seeds (n-1); 0 for a single seed. */
  std: number;
  min: number;
  max: number;
  n: number;
}

export type MetricKey = 'auroc' | 'auprc' | 'ap';

export interface LabelSummary {
  label: string;
  auroc: Spread | null;
  auprc: Spread | null;
  ap: Spread | null;
  /** 95% percentile-bootstrap CI of the seed-mean, resampling test items (stratified); null when not computable. */
  aurocCI: { lower: number; upper: number } | null;
  auprcCI: { lower: number; upper: number } | null;
}

export interface CellSummary {
  /** Identity of the cell: the hash of the run configuration without its seed. */
  cellKey: string;
  cellName: string;
  grid: string;
  config: Omit<RunConfig, 'seed'>;
  status: RunStatus | 'partial';
  seeds: number[];
  labels: LabelSummary[];
  wallSeconds: number;
  reason?: string;
  errors: string[];
}

export function cellKeyOf(config: RunConfig): string {
  const { seed: _seed, ...rest } = config;
  return hashJson(rest);
}

function spread(values: number[]): Spread | null {
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

const METRIC_FNS = { auroc, auprc: (l: ArrayLike<number>, s: ArrayLike<number>) => auprc(l, s, 'trapezoid'), ap: averagePrecision };

/**
 * CI of the mean over runs of a metric, resampling test items: each replicate draws item indices (stratified by
 * class, via bootstrapCI on an index vector) and evaluates every run on the same draw. Needs per-item scores
 * for the same test items in every run.
 */
function pooledCI(runs: RunRecord[], labelIndex: number, metric: 'auroc' | 'auprc', seed: number, nBoot: number): { lower: number; upper: number } | null {
  const first = runs[0]?.testScores;
  if (!first || runs.some((r) => !r.testScores || r.testScores.ids.join('\n') !== first.ids.join('\n'))) return null;
  const numLabels = first.labels.length / first.ids.length;
  const rows: number[] = [];
  for (let i = 0; i < first.ids.length; i++) {
    if (!first.mask || first.mask[i * numLabels + labelIndex] === 1) rows.push(i);
  }
  const labels = rows.map((i) => first.labels[i * numLabels + labelIndex]!);
  // Rank by logits where a record has them (the metrics' own scores); older records only stored probabilities.
  const perRun = runs.map((r) => {
    const values = r.testScores!.logits ?? r.testScores!.scores;
    return rows.map((i) => values[i * numLabels + labelIndex]!);
  });
  const fn = METRIC_FNS[metric];
  try {
    const result = bootstrapCI(
      labels,
      rows.map((_, k) => k),
      (sampleLabels, sampleIndex) => {
        let sum = 0;
        for (const scores of perRun) sum += fn(sampleLabels, Array.from(sampleIndex, (k) => scores[k]!));
        return sum / perRun.length;
      },
      { seed, nBoot },
    );
    return { lower: result.lower, upper: result.upper };
  } catch {
    return null;
  }
}

/** Summaries of every cell in `records` (latest record per run; 'ok' runs are final). */
export function summarizeRuns(records: RunRecord[], options: { bootstrap?: number; seed?: number } = {}): CellSummary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const record of latestByConfig(records).values()) {
    const key = cellKeyOf(record.config);
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  return [...groups.entries()].map(([cellKey, runs]) => summarizeCell(cellKey, runs, options));
}

function summarizeCell(cellKey: string, runs: RunRecord[], options: { bootstrap?: number; seed?: number }): CellSummary {
  const ok = runs.filter((r) => r.status === 'ok').sort((a, b) => a.seed - b.seed);
  const { seed: _seed, ...config } = runs[0]!.config;
  const status: CellSummary['status'] =
    ok.length === runs.length ? 'ok' : ok.length > 0 ? 'partial' : runs.some((r) => r.status === 'failed') ? 'failed' : 'unavailable';
  const labelNames = config.dataset.labelNames;
  const labels: LabelSummary[] = labelNames.map((label, j) => {
    const values = (key: MetricKey): number[] =>
      ok.map((r) => r.test?.[j]?.[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    return {
      label,
      auroc: spread(values('auroc')),
      auprc: spread(values('auprc')),
      ap: spread(values('ap')),
      aurocCI: ok.length ? pooledCI(ok, j, 'auroc', options.seed ?? 0, options.bootstrap ?? 1000) : null,
      auprcCI: ok.length ? pooledCI(ok, j, 'auprc', options.seed ?? 0, options.bootstrap ?? 1000) : null,
    };
  });
  const notOk = runs.filter((r) => r.status !== 'ok');
  return {
    cellKey,
    cellName: runs[0]!.cellName,
    grid: runs[0]!.grid,
    config,
    status,
    seeds: ok.map((r) => r.seed),
    labels,
    wallSeconds: ok.reduce((a, r) => a + r.wallSeconds, 0),
    ...(notOk[0]?.reason ? { reason: notOk[0].reason } : {}),
    errors: notOk.filter((r) => r.error).map((r) => `seed ${r.seed}: ${r.error!.name}: ${r.error!.message}`),
  };
}

export interface GridRow {
  cellName: string;
  init: Init;
  fraction: number;
  summary: CellSummary | null;
}

/**
 * The rows of one grid: each grid cell x fraction found among the summaries (matched on model, initialisation,
 * profile and dataset, so a run shared by two grids appears in both under each grid's cell name).
 */
export function gridRows(grid: GridSpec, summaries: CellSummary[], filter: { profile?: string; datasetId?: string } = {}): GridRow[] {
  const rows: GridRow[] = [];
  for (const cell of grid.cells) {
    const model = canonicalJson(normalizeModelSpec(cell.model));
    const matches = summaries.filter(
      (s) =>
        canonicalJson(s.config.cell.model) === model &&
        s.config.cell.init === cell.init &&
        (filter.profile === undefined || s.config.profile === filter.profile) &&
        (filter.datasetId === undefined || s.config.dataset.id === filter.datasetId),
    );
    for (const summary of matches.sort((a, b) => a.config.fraction - b.config.fraction)) {
      rows.push({ cellName: cell.name, init: cell.init, fraction: summary.config.fraction, summary });
    }
  }
  return rows;
}
