/**
 * The paper's result figures as the notebooks draw them (which dataset, how bars are grouped, titles and file
 * names), and `figureSections`: every chart input and paragraph of a figure notebook, computed from its bars.
 * Pure; lib/report/io/figure-report.ts gathers the bars.
 */
import type { GroupedBarInput } from '../plots/grouped-bar';
import { toFrame, type DataFrame } from '../util/frame';
import { errorBarKind, figureCaption, figurePanels, missingBarsMarkdown } from './bars';
import { readerReason } from './cells';
import { computeConclusions, type Findings } from './conclusions';
import { conclusionsMarkdown } from './conclusions-markdown';
import { joinWithPaper } from './join';
import { contenderName } from './labels';
import { compareProfiles, profileComparisonMarkdown } from './profile-compare';
import { comparisonSectionMarkdown } from './tables';
import { aurocDifferences, medianAuroc, testSetMarkdown, type TestSplitCounts } from './test-set-size';
import type { CellResult, Metric, PaperValue } from './types';

export type PaperFigureId = 'fig3' | 'fig4' | 'fig6' | 'fig7';

export interface FigureSpec {
  id: PaperFigureId;
  /** The paper's dataset; the notebook falls back to the SYNTHETIC stand-in where it is absent. */
  data: 'chexpert' | 'covid';
  /** x axis: labels (CheXpert) or bars (COVID, one label). */
  groupBy: 'label' | 'bar';
  /** Banner title, chart title, exported file base name and chart width. */
  title: string;
  chartTitle: string;
  name: string;
  width: number;
  /** Runs per bar on the SYNTHETIC stand-in: it only shows that the pipeline runs. */
  syntheticSeeds: number | null;
}

export const FIGURES: Readonly<Record<PaperFigureId, FigureSpec>> = {
  fig3: { id: 'fig3', data: 'chexpert', groupBy: 'label', title: 'Figure 3: TL vs RI on CheXpert', chartTitle: 'Fig. 3 — TL vs RI, CheXpert', name: 'fig3-tl-vs-ri-chexpert', width: 1300, syntheticSeeds: null },
  fig4: { id: 'fig4', data: 'covid', groupBy: 'bar', title: 'Figure 4: TL vs RI on COVID', chartTitle: 'Fig. 4 — TL vs RI, COVID', name: 'fig4-tl-vs-ri-covid', width: 1100, syntheticSeeds: 1 },
  fig6: { id: 'fig6', data: 'covid', groupBy: 'bar', title: 'Figure 6: truncated TL on COVID', chartTitle: 'Fig. 6 — truncated TL, COVID', name: 'fig6-truncation-covid', width: 1200, syntheticSeeds: 1 },
  fig7: { id: 'fig7', data: 'chexpert', groupBy: 'label', title: 'Figure 7: truncated TL on CheXpert', chartTitle: 'Fig. 7 — truncated TL, CheXpert', name: 'fig7-truncation-chexpert', width: 1400, syntheticSeeds: null },
};

export interface FigurePanel {
  metric: Metric;
  name: string;
  input: GroupedBarInput;
  width: number;
  height: number;
}

export interface FigureSections {
  /** The AUROC and AUPRC charts (inputs of `groupedBarFigure`). */
  panels: FigurePanel[];
  /** What the bars, error bars and markers of those charts show (markdown, computed from the cells). */
  caption: string;
  /** The caption naming every empty slot, or a sentence saying every bar has a value. */
  missingBars: string;
  /** Ours beside the paper's. */
  comparison: string;
  findings: Findings;
  conclusions: string;
  /** What a test split this size can resolve. */
  testSet: string;
}

export interface FigureSectionsInput {
  cells: CellResult[];
  paper: PaperValue[];
  synthetic: boolean;
  testCounts: TestSplitCounts[];
  /** Appended to the chart title and file names (a second profile's charts). */
  profileSuffix?: string;
}

export function figureSections(spec: FigureSpec, input: FigureSectionsInput): FigureSections {
  const { cells, paper, synthetic } = input;
  const suffix = input.profileSuffix;
  const panels = figurePanels(cells, {
    figure: spec.id,
    groupBy: spec.groupBy,
    paper,
    title: suffix ? `${spec.chartTitle} (${suffix} profile)` : spec.chartTitle,
    synthetic,
    name: suffix ? `${spec.name}-${suffix}` : spec.name,
  }).map((p) => ({ ...p, width: spec.width, height: 520 }));
  const findings = computeConclusions(cells);
  const spreadOverSeeds = errorBarKind(cells.filter((c) => c.figure === spec.id)) === 'sd';
  return {
    panels,
    caption: figureCaption(cells, { figure: spec.id, paperMarkers: panels.some((p) => p.input.reference !== undefined) }),
    missingBars: missingBarsMarkdown(cells) || 'Every bar of the grid has a value.',
    comparison: comparisonSectionMarkdown(joinWithPaper(cells, paper)),
    findings,
    conclusions: conclusionsMarkdown(findings, { synthetic }),
    testSet: testSetMarkdown(input.testCounts, aurocDifferences(findings), medianAuroc(cells), { spreadOverSeeds }),
  };
}

/** The per-bar table of the same grid under two training profiles. */
export function profileComparison(base: CellResult[], other: CellResult[], names: { baseName: string; otherName: string }): string {
  return profileComparisonMarkdown(compareProfiles(base, other), names);
}

/** Every bar of a figure as a danfojs DataFrame: one row per bar and metric, the numbers the charts draw. */
export function barsFrame(cells: readonly CellResult[]): DataFrame {
  return toFrame(
    cells.map((c) => ({
      bar: contenderName(c),
      label: c.label,
      fraction: c.fraction ?? 1,
      metric: c.metric,
      mean: c.status === 'ok' ? c.mean : null,
      sd: c.status === 'ok' && c.n >= 2 ? c.spread : null,
      ci_low: c.ci?.lower ?? null,
      ci_high: c.ci?.upper ?? null,
      runs: c.n,
      status: c.status,
      reason: c.reason ? readerReason(c.reason) : '',
    })),
  );
}
