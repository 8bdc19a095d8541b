/**
 * The figure notebooks' logic, pure (plain data in, plain data, markdown or chart inputs out; no files, no child
 * processes): our bars joined against the paper's digitised values, conclusions computed from the bars, the
 * provenance banner, chart inputs, and Figure 5's cut points. What reads files and runs jobs is in ./io.
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
  formatSigned,
  labelAbbreviation,
  normaliseLabel,
  sameLabel,
} from './labels';
export { cellKey, readerReason, shortReason, validateCells } from './cells';
export { parsePaperValues } from './paper-values';
export { joinWithPaper } from './join';
export type { JoinedRow, JoinMatch, JoinOptions } from './join';
export { comparisonMarkdown, comparisonSectionMarkdown, comparisonSummary } from './tables';
export type { ComparisonTableOptions } from './tables';
export { computeConclusions } from './conclusions';
export { conclusionsMarkdown, type ConclusionsMarkdownOptions } from './conclusions-markdown';
export type {
  BarSummary,
  ConclusionOptions,
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
export { barPanel, figureCaption, figurePanels, missingBarsMarkdown } from './bars';
export type { BarPanelOptions, FigurePanelsOptions } from './bars';
export { cutPoints, cutPointsMarkdown, densenetCutPoints } from './cut-points';
export type { CutPoint, CutPointOptions, HeadSize } from './cut-points';
export { frameHtml, htmlTable, rowsHtml } from './html-table';
export type { HtmlTableOptions, TableValue } from './html-table';
export {
  IMBALANCE_HEADERS, imagesPerPatient, imagesPerPatientPanel, imbalanceRows, patientSummary, prevalencePanel, rarestLabel,
} from './explore';
export type { DatasetLabels, ImbalanceRow, PatientCount, PatientSummaryRow } from './explore';
export {
  DUPLICATE_HEADERS, duplicateImageGroups, duplicateSummary, OVERLAP_HEADERS, splitClassRows, testPatientOverlap,
} from './explore-splits';
export type { DuplicateGroup, DuplicateSummary, SplitClassRow, TestPatientOverlap } from './explore-splits';
export { cellsFromGrid, modelFamilyName, provenanceFromRuns, selectRuns } from './from-runs';
export type { GridCellsOptions, RunFilter } from './from-runs';
export { aurocDifferences, detectableAurocDifference, hanleyMcNeilSE, medianAuroc, testSetMarkdown } from './test-set-size';
export type { TestSplitCounts } from './test-set-size';
export { densenetDiagramFigure } from './architecture-figure';
export { compareProfiles, profileComparisonMarkdown, profileComparisonSummary } from './profile-compare';
export type { ProfileComparisonMarkdownOptions, ProfileComparisonRow, ProfileComparisonSummary } from './profile-compare';
