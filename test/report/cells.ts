/** Hand-built report cells for the tests: every field explicit, defaults only where a test does not care. */
import type { CellResult } from '../../lib/report';

export function cell(partial: Partial<CellResult> & Pick<CellResult, 'model' | 'label' | 'metric'>): CellResult {
  return {
    figure: 'fig3',
    init: 'TL',
    mean: 0.5,
    spread: 0.01,
    n: 3,
    status: 'ok',
    ...partial,
  };
}

/** Both metrics of one bar: [AUROC cell, AUPRC cell]. */
export function bothMetrics(
  base: Omit<Partial<CellResult>, 'metric' | 'mean'> & Pick<CellResult, 'model' | 'label'>,
  auroc: number,
  auprc: number,
): CellResult[] {
  return [cell({ ...base, metric: 'AUROC', mean: auroc }), cell({ ...base, metric: 'AUPRC', mean: auprc })];
}
