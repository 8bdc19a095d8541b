/**
 * Experiments: the paper's figures as typed grids, run profiles, a resumable multi-process runner, a Slurm
 * executor (one job array task per run, results as shards merged by collect) and an append-only results store
 * with provenance, plus aggregation over seeds.
 */
export { FIG3, FIG4, FIG6, FIG7, GRIDS, defineGrid, getGrid, withTlSource } from './grids';
export { QUICK, CPU, PAPER, PROFILES, getProfile } from './profiles';
export { PAPER_FRACTIONS, FRACTION_LADDERS, MIN_PER_CLASS, defaultFractions, type FractionChoice } from './fractions';
export { planRuns, seedList, type Plan, type PlanOptions } from './plan';
export { runGrid, defaultWorkDir, type RunGridOptions, type RunGridResult, type RunnerEvent } from './runner';
export { pendingRuns, unavailableRecords, type PendingRuns } from './pending';
export { writeShard, readShards, collectShards, latestIncludingShards, type CollectResult } from './shards';
export * from './slurm/index';
export { executeRun, discardRunState, type ExecuteRunOptions } from './execute';
export { MAX_STORED_SCORES } from './run-outputs';
export { ResultsStore, readResults, readStoreFile, latestByConfig, STORE_FILE, type ReadResult } from './store';
export {
  summarizeRuns,
  gridRows,
  cellKeyOf,
  type CellSummary,
  type LabelSummary,
  type Spread,
  type MetricKey,
  type GridRow,
} from './aggregate';
export { exportCsv, exportJson } from './export';
export { buildModel, checkAvailability, normalizeModelSpec, minInputSize, normalizationFor, inputChannelsFor, type Availability } from './model-factory';
export { chooseSplit, loadDatasetCached } from './data-plan';
export { canonicalJson, hashJson } from '../util/hash';
export type {
  ModelId,
  Truncation,
  GridHeadKind,
  ModelSpec,
  Init,
  GridCell,
  GridSpec,
  FractionSpec,
  WeightsPaths,
  TrainingSettings,
  ProfileSpec,
  DatasetRef,
  RunConfig,
  RunSpec,
  RunRecord,
  RunStatus,
  TestMetrics,
  Provenance,
} from './types';
export { INITS } from './types';
