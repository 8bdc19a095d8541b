/**
 * Exports of the store: one row per run x label (CSV for spreadsheets, a danfojs DataFrame for notebooks), or JSON of the
 * per-cell summaries (mean and spread over seeds, CIs) or of the raw records.
 */
import { toFrame, type DataFrame } from '../util/frame';
import { summarizeRuns } from './aggregate';
import { latestByConfig } from './store';
import type { RunRecord } from './types';

const CSV_COLUMNS = [
  'status', 'grid', 'cell', 'model', 'truncation', 'head', 'init', 'fraction', 'seed', 'profile', 'dataset', 'input_size',
  'label', 'auroc', 'auprc_trapezoid', 'average_precision', 'auroc_ci_low', 'auroc_ci_high', 'auprc_ci_low', 'auprc_ci_high',
  'test_positives', 'test_negatives', 'best_epoch', 'epochs_run', 'wall_seconds', 'weights_source', 'weights_sha256',
  'backend', 'git_commit', 'config_hash', 'reason',
] as const;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

type ResultRow = Partial<Record<(typeof CSV_COLUMNS)[number], unknown>>;

/** One row per run x label (the latest record per run); runs that are not 'ok' get one row with their status and reason. */
export function resultRows(records: RunRecord[]): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const r of latestByConfig(records).values()) {
    const c = r.config;
    const common = {
      status: r.status,
      grid: r.grid,
      cell: r.cellName,
      model: c.cell.model.id,
      truncation: c.cell.model.truncation ?? '',
      head: c.cell.model.head ?? '',
      init: c.cell.init,
      fraction: c.fraction,
      seed: r.seed,
      profile: c.profile,
      dataset: c.dataset.id,
      input_size: c.pipeline.size,
      best_epoch: r.bestEpoch,
      epochs_run: r.curve?.length,
      wall_seconds: r.wallSeconds,
      weights_source: c.weights?.source ?? (c.cell.init === 'RI' ? 'random-init' : ''),
      weights_sha256: c.weights?.sha256,
      backend: r.provenance?.backend ? `${r.provenance.backend.backend} ${r.provenance.backend.version}` : '',
      git_commit: r.provenance?.gitCommit,
      config_hash: r.configHash,
      reason: r.reason ?? (r.error ? `${r.error.name}: ${r.error.message}` : ''),
    };
    const perLabel = r.status === 'ok' && r.test ? r.test : [null];
    for (const m of perLabel) {
      rows.push({
        ...common,
        label: m?.label ?? '',
        auroc: m?.auroc,
        auprc_trapezoid: m?.auprc,
        average_precision: m?.ap,
        auroc_ci_low: m?.aurocCI?.lower,
        auroc_ci_high: m?.aurocCI?.upper,
        auprc_ci_low: m?.auprcCI?.lower,
        auprc_ci_high: m?.auprcCI?.upper,
        test_positives: m?.positives,
        test_negatives: m?.negatives,
      });
    }
  }
  return rows;
}

/** The results as CSV (spreadsheets, pandas): `resultRows`, one line each. */
export function exportCsv(records: RunRecord[]): string {
  const lines = [CSV_COLUMNS.join(','), ...resultRows(records).map((row) => CSV_COLUMNS.map((col) => csvCell(row[col])).join(','))];
  return `${lines.join('\n')}\n`;
}

/** The results as a danfojs DataFrame (one row per run x label, the CSV's columns), e.g. to group by cell in a notebook. */
export function resultsFrame(records: RunRecord[]): DataFrame {
  return toFrame(resultRows(records).map((row) => Object.fromEntries(CSV_COLUMNS.map((col) => [col, row[col] ?? null]))));
}

export function exportJson(records: RunRecord[], what: 'summary' | 'runs' = 'summary'): string {
  if (what === 'runs') return `${JSON.stringify([...latestByConfig(records).values()], null, 1)}\n`;
  return `${JSON.stringify(summarizeRuns(records), null, 1)}\n`;
}
