/**
 * The report layer's own input: one bar of a figure. It is deliberately independent of the results store's
 * format, so the notebooks' logic (paper join, conclusions, charts) can be tested with hand-built cells and the
 * store can change without touching it; `cellsFromGrid` (from-runs.ts) adapts the runner's output to it.
 */

export type Metric = 'AUROC' | 'AUPRC';
export const METRICS: readonly Metric[] = ['AUROC', 'AUPRC'];

/** TL = fine-tuned from pretrained (ImageNet) weights; RI = random initialisation; LP = linear probe (frozen backbone). */
export type Init = 'TL' | 'RI' | 'LP';

/** `unavailable`: could not be run here (missing weights or data); `failed`: was run and errored. */
export type CellStatus = 'ok' | 'unavailable' | 'failed';

/**
 * The paper's figures: fig3 CheXpert TL vs RI, fig4 COVID TL vs RI, fig6 COVID truncation, fig7 CheXpert
 * truncation. A user's own grid may use any other id; it then simply has no paper counterpart.
 */
export type FigureId = 'fig3' | 'fig4' | 'fig6' | 'fig7' | (string & {});

export interface CellResult {
  figure: FigureId;
  /** Model family as the paper names it: DenseNet121, ResNet50, CBR-LargeT, CBR-LargeW, CBR-Small, CBR-Tiny. */
  model: string;
  init: Init;
  /** Truncation level (DenseNet121: T1, T2, T3, F = full). Absent for untruncated models. */
  truncation?: string;
  /** Fraction of the training split used, in (0, 1]. Absent = all of it. */
  fraction?: number;
  /** Label name as the dataset spells it (CheXpert column names, `covid19`, ...). */
  label: string;
  metric: Metric;
  /** Mean over seeds; NaN when status is not 'ok'. */
  mean: number;
  /**
   * Half-length of the error bar drawn around `mean`, the same quantity as the paper's `halfwidth`. The adapter
   * documents which statistic it is (e.g. the standard deviation over seeds). 0 with n = 1.
   */
  spread: number;
  /** Number of finished runs (seeds) behind the bar. */
  n: number;
  /**
   * 95% percentile-bootstrap interval of `mean` over test-set resampling (stratified), when the adapter has
   * per-item scores. Unlike `spread` it is informative with a single seed: it is the test set's own noise.
   */
  ci?: { lower: number; upper: number };
  status: CellStatus;
  /** Why a cell is not 'ok' (e.g. "no ImageNet weights for DenseNet121 on this machine"). */
  reason?: string;
}

/** One digitised bar of the 2021 figures, normalised to the same keys as `CellResult`. */
export interface PaperValue {
  figure: FigureId;
  dataset: 'CheXpert' | 'COVID';
  metric: Metric;
  model: string;
  init: Init;
  truncation?: string;
  fraction?: number;
  /** Full CheXpert label name; absent for the binary COVID task (the single label, whatever a dataset calls it). */
  label?: string;
  /** The figure's own x-axis abbreviation (EC, Co., ...); absent for COVID. */
  labelAbbreviation?: string;
  mean: number;
  /** Error-bar half-length; undefined where the bar could not be read. */
  halfwidth?: number;
  /** The row as written in the CSV, for traceability. */
  source: { file: string; row: number; model: string; column: string };
}
