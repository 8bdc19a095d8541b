/**
 * The pneumonia study's conclusions as data (pure): each computed from the paired comparisons and curve points,
 * so every sentence the notebook prints follows from numbers shown above it. Rendering is pneumonia-markdown.ts.
 */
import type { RunRecord } from '../experiments/types';
import type { ArmPoint, PairedRow, SeenUnseenRow, StudyMetric } from './pneumonia';

/** Which way a paired difference points, judged by its 95 % interval. */
export type Verdict = 'A better' | 'B better' | 'not distinguishable';

export function verdictOf(row: Pick<PairedRow, 'lower' | 'upper'>): Verdict {
  if (row.lower > 0) return 'A better';
  if (row.upper < 0) return 'B better';
  return 'not distinguishable';
}

export interface ComparisonFinding {
  comparison: string;
  aName: string;
  bName: string;
  metric: StudyMetric;
  /** Per fraction, ascending. */
  rows: PairedRow[];
  aBetter: number[];
  bBetter: number[];
  unclear: number[];
  /** The difference at the smallest and at the largest fraction compared. */
  smallest: PairedRow | null;
  largest: PairedRow | null;
}

/** Per comparison and metric: at which fractions A is better, B is better, or neither can be told apart. */
export function comparisonFindings(rows: readonly PairedRow[]): ComparisonFinding[] {
  const keys = [...new Set(rows.map((r) => `${r.comparison}\u0000${r.metric}`))];
  return keys.map((key) => {
    const [comparison, metric] = key.split('\u0000') as [string, StudyMetric];
    const mine = rows.filter((r) => r.comparison === comparison && r.metric === metric).sort((a, b) => a.fraction - b.fraction);
    const at = (v: Verdict): number[] => mine.filter((r) => verdictOf(r) === v).map((r) => r.fraction);
    return {
      comparison,
      aName: mine[0]!.aName,
      bName: mine[0]!.bName,
      metric,
      rows: mine,
      aBetter: at('A better'),
      bBetter: at('B better'),
      unclear: at('not distinguishable'),
      smallest: mine[0] ?? null,
      largest: mine[mine.length - 1] ?? null,
    };
  });
}

export interface BestLevelFinding {
  fraction: number;
  metric: StudyMetric;
  /** The cell with the highest seed-mean at this fraction, and its value. */
  best: { cellName: string; value: number };
  /** Cells whose value is within the best one's 95 % interval (not distinguishable from it on this test set). */
  tied: string[];
}

/** At each fraction, the best of several cells (e.g. the truncation levels) and those it cannot be told from. */
export function bestLevels(points: ReadonlyMap<string, readonly ArmPoint[]>, metric: StudyMetric): BestLevelFinding[] {
  const fractions = [...new Set([...points.values()].flatMap((ps) => ps.map((p) => p.fraction)))].sort((a, b) => a - b);
  const findings: BestLevelFinding[] = [];
  for (const fraction of fractions) {
    const here = [...points.entries()].flatMap(([cellName, ps]) => ps.filter((p) => p.fraction === fraction).map((p) => ({ cellName, interval: p[metric] })));
    if (here.length < 2) continue;
    const best = here.reduce((a, b) => (b.interval.estimate > a.interval.estimate ? b : a));
    const tied = here.filter((h) => h !== best && h.interval.estimate >= best.interval.lower).map((h) => h.cellName);
    findings.push({ fraction, metric, best: { cellName: best.cellName, value: best.interval.estimate }, tied });
  }
  return findings;
}

export interface SanityFinding {
  what: string;
  value: number | null;
  threshold: number;
  met: boolean | null;
}

/**
 * The sanity bars against the published anchors on the official test set: ImageNet TL at 100 % should reach
 * AUROC 0.93 and the best random-init model 0.90 (published: 0.944 and above).
 */
export function sanityFindings(tlAtFull: ArmPoint | null, riAtFull: readonly ArmPoint[]): SanityFinding[] {
  const bestRi = riAtFull.length === 0 ? null : Math.max(...riAtFull.map((p) => p.AUROC.estimate));
  return [
    { what: 'ImageNet TL (ResNet50K) at 100 %, official test set', value: tlAtFull?.AUROC.estimate ?? null, threshold: 0.93, met: tlAtFull ? tlAtFull.AUROC.estimate >= 0.93 : null },
    { what: 'best random-init model at 100 %, official test set', value: bestRi, threshold: 0.9, met: bestRi === null ? null : bestRi >= 0.9 },
  ];
}

export interface LeakageFinding {
  cellName: string;
  fraction: number;
  seen: number;
  unseen: number;
  /** Seen minus unseen AUROC, and whether the two intervals are disjoint. */
  gap: number;
  disjoint: boolean;
}

export function leakageFindings(rows: readonly SeenUnseenRow[]): LeakageFinding[] {
  return rows.map((r) => ({
    cellName: r.cellName,
    fraction: r.fraction,
    seen: r.seen.estimate,
    unseen: r.unseen.estimate,
    gap: r.seen.estimate - r.unseen.estimate,
    disjoint: r.seen.lower > r.unseen.upper || r.unseen.lower > r.seen.upper,
  }));
}

export interface BudgetFinding {
  cellName: string;
  fraction: number;
  /** Fine-tuned runs at this cell and fraction, and those whose best validation epoch was their last. */
  runs: number;
  stillImproving: number;
  epochs: number;
  /** Optimizer steps one run took: training images / batch size, times epochs. */
  steps: number;
}

/**
 * Fine-tuned runs that ran out of epochs while validation was still improving (best epoch = the last one, no early
 * stop): their numbers say what the epoch budget allowed, not what the arm can do. At small fractions an epoch is
 * a handful of optimizer steps, so a fixed epoch budget gives the data-poor runs the fewest updates.
 */
export function budgetFindings(runs: readonly RunRecord[]): BudgetFinding[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    if (r.status !== 'ok' || !r.curve || r.curve.length === 0) continue;
    const key = `${r.cellName}\u0000${r.config.fraction}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const findings: BudgetFinding[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    const epochs = first.config.training.epochs;
    const stillImproving = group.filter((r) => r.stopReason === 'max-epochs' && r.bestEpoch === r.curve!.length).length;
    if (stillImproving === 0) continue;
    const trainImages = first.curve![0]!.trainImages;
    const steps = Math.ceil(trainImages / first.config.training.batchSize) * epochs;
    findings.push({ cellName: first.cellName, fraction: first.config.fraction, runs: group.length, stillImproving, epochs, steps });
  }
  return findings.sort((a, b) => a.fraction - b.fraction || a.cellName.localeCompare(b.cellName));
}
