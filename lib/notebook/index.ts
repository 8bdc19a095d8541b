/**
 * Notebook support: inline figures and live progress for tslab cells, and the headless pipeline behind
 * `npm run reproduce` (project-local kernel, papermill-style parameters, execution, static figure fallback).
 */
export { showFigure, loadPlotlyInline, createFigureShower, readFigureRecords, writeFigureRecord, FIGURE_SPECS_ENV, PLOTLY_MIME } from './figures';
export type { ShowFigureOptions, FigureRecord, FigureShower, FigureShowerOptions } from './figures';
export { liveProgress, formatSeconds } from './progress';
export type { LiveProgress, LiveProgressOptions } from './progress';
export { tslabSink } from './display';
export type { DisplaySink, MimeBundle } from './display';
export {
  PARAMETERS_TAG,
  INJECTED_TAG,
  parseParameterCell,
  parseParamArg,
  resolveParameters,
  injectParameters,
  notebookProfiles,
} from './parameters';
export type { ParameterDeclaration, ParameterValue, ParameterRequest, NotebookProfiles } from './parameters';
export { KERNEL_NAME, SYSTEM_PYTHON, findRepoRoot, kernelPaths, isKernelInstalled, installKernel, jupyterEnv } from './kernel';
export type { KernelPaths } from './kernel';
export { executeNotebook, findFailure } from './execute';
export type { ExecuteOptions, ExecuteResult, CellFailure, CellProgress } from './execute';
export { attachStaticFigures } from './static-fallback';
export type { NotebookJson, NotebookCell, NotebookOutput } from './notebook-json';
