/** The per-cell table `run` and `status` print. */
import type { CellSummary } from '../experiments/aggregate';
import { formatTable, num } from './table';

const HEADER = ['grid', 'cell', 'dataset', 'profile', 'data', 'status', 'seeds', 'AUROC', 'AUPRC', 'seconds / reason'];

function row(s: CellSummary): string[] {
  const first = s.labels[0];
  const single = s.config.dataset.labelNames.length === 1;
  const spread = (m: { mean: number; std: number } | null | undefined): string => (m ? `${num(m.mean)} ± ${num(m.std)}` : '-');
  return [
    s.grid,
    s.cellName,
    s.config.dataset.id,
    s.config.profile,
    `${s.config.fraction * 100}%`,
    s.status,
    String(s.seeds.length),
    single ? spread(first?.auroc) : `${s.labels.length} labels`,
    single ? spread(first?.auprc) : '',
    s.status === 'ok' || s.status === 'partial' ? `${s.wallSeconds.toFixed(0)}` : (s.reason ?? s.errors[0] ?? '').slice(0, 70),
  ];
}

export function statusTable(summaries: CellSummary[]): string {
  const sorted = [...summaries].sort((a, b) => `${a.grid}${a.cellName}${a.config.fraction}`.localeCompare(`${b.grid}${b.cellName}${b.config.fraction}`));
  return formatTable(HEADER, sorted.map(row));
}
