/**
 * The report's inputs and outputs: the figure job (a child process that reads, and when asked completes, the
 * results store), which datasets this machine has, sample-image grids, the paper's values file, and
 * `figureReport`, which gathers all of it for a figure notebook.
 */
export { chexpertAvailability, chooseFigureDataset, covidAvailability, kermanyAvailability, missingDataMarkdown } from './datasets';
export type { DatasetAvailability, FigureDatasetChoice, FigureDatasetParams, KnownDatasetId } from './datasets';
export { imageGridPng, sampleItems } from './image-grid';
export type { ImageGridOptions, SampleItemsOptions } from './image-grid';
export { DEFAULT_PAPER_VALUES_PATH, loadPaperValues } from './paper-values';
// figure-data.ts (loadFigureData, runMissing) pulls in the training stack; it is deliberately not re-exported here
// so notebooks can import this barrel. Notebooks reach it through figureJob (a child process).
export { figureJob, jobCells } from './figure-job';
export type { FigureJobOptions, FigureJobRequest, FigureJobResult } from './figure-job';
