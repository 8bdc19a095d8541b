/** Figure builders (pure: data -> plotly spec) and static export. */
export type { PlotlySpec, PlotlyTrace, PlotlyLayout, FigureSize } from './types';
export { SERIES_COLOURS, seriesColour, baseLayout } from './style';
export { rocPrFigure } from './roc-pr';
export type { RocPrCurve, RocPrFigureOptions } from './roc-pr';
export { metricDistributionFigure } from './distribution';
export type { DistributionSeries, MetricDistributionPanel, MetricDistributionOptions } from './distribution';
export { groupedBarFigure } from './grouped-bar';
export type { GroupedBarInput, Cell } from './grouped-bar';
export {
  CONFUSION_DEFINITIONS,
  confusionCounts,
  confusionRates,
  confusionDefinitionsMarkdown,
  confusionTableHtml,
} from './confusion';
export type { ConfusionCounts, ConfusionRates, ConfusionDefinition, ConfusionTableOptions } from './confusion';
export { exportFigure, exportFigures, plotlyBundlePath, DEFAULT_FIGURE_SIZE } from './export';
export type { FigureExportJob, ExportOptions, StaticFormat } from './export';
export { figureHtml, plotlyLoaderHtml, scriptSafeJson, FIGURE_ATTRIBUTE } from './inline-html';
export type { FigureHtmlOptions } from './inline-html';
