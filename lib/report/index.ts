/**
 * The figure notebooks' logic: the paper's digitised values, our bars joined against them, conclusions computed
 * from the bars, the provenance banner, chart inputs, and Figure 5's DenseNet121 cut points.
 */
// `Init` ('TL' | 'RI') is not re-exported: lib/experiments exports the same name.
export type { CellResult, CellStatus, FigureId, Metric, PaperValue } from './types';
export { METRICS } from './types';
export { FigureJobError, ReportInputError } from './errors';
export {
  CHEXPERT_ABBREVIATIONS,
  chexpertLabelName,
  contenderName,
  formatFraction,
  labelAbbreviation,
  normaliseLabel,
  sameLabel,
} from './labels';
export { cellKey, validateCells } from './cells';
export { DEFAULT_PAPER_VALUES_PATH, loadPaperValues, parsePaperValues } from './paper-values';
export { joinWithPaper } from './join';
export type { JoinedRow, JoinMatch, JoinOptions } from './join';
export { comparisonMarkdown, comparisonSectionMarkdown, comparisonSummary } from './tables';
export type { ComparisonTableOptions } from './tables';
export { computeConclusions, conclusionsMarkdown } from './conclusions';
export type {
  BarSummary,
  ConclusionOptions,
  ConclusionsMarkdownOptions,
  DisagreementFinding,
  Findings,
  MissingFinding,
  TlRiFinding,
  TlRiVerdict,
  WinCount,
  WinnerFinding,
} from './conclusions';
export { provenanceBanner } from './provenance';
export type { Banner, ProvenanceInfo, WeightsProvenance } from './provenance';
export { barPanel, figurePanels, missingBarsMarkdown, shortReason } from './bars';
export type { BarPanelOptions, FigurePanelsOptions } from './bars';
export { CUT_LEVELS, DENSENET_CUT_STAGES, cutPointsMarkdown, densenetCutPoints } from './cut-points';
export type { CutLevel, CutPoint, CutPointOptions, HeadSize } from './cut-points';
export { chexpertAvailability, chooseFigureDataset, covidAvailability, missingDataMarkdown } from './datasets';
export type { DatasetAvailability, FigureDatasetChoice, FigureDatasetParams, KnownDatasetId } from './datasets';
export { imageGridPng, sampleItems } from './image-grid';
export type { ImageGridOptions, SampleItemsOptions } from './image-grid';
export { frameHtml, htmlTable, rowsHtml } from './html-table';
export type { HtmlTableOptions, TableValue } from './html-table';
export { imagesPerPatient, imbalanceRows, prevalencePanel, rarestLabel } from './explore';
export type { DatasetLabels, ImbalanceRow, PatientCount } from './explore';
export { cellsFromGrid, modelFamilyName, provenanceFromRuns, selectRuns } from './from-runs';
export type { GridCellsOptions, RunFilter } from './from-runs';
// figure-data.ts (loadFigureData, runMissing) pulls in the training stack; it is deliberately not re-exported here
// so notebooks can import this barrel. Notebooks reach it through figureJob (a child process).
export { figureJob, jobCells } from './figure-job';
export type { FigureJobOptions, FigureJobRequest, FigureJobResult } from './figure-job';
export { aurocDifferences, detectableAurocDifference, hanleyMcNeilSE, medianAuroc, testSetMarkdown } from './test-set-size';
export type { TestSplitCounts } from './test-set-size';
export { densenetDiagramFigure } from './architecture-figure';
export { compareProfiles, profileComparisonMarkdown, profileComparisonSummary } from './profile-compare';
export type { ProfileComparisonMarkdownOptions, ProfileComparisonRow, ProfileComparisonSummary } from './profile-compare';
