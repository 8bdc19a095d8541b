export { train } from './loop';
export { TorchAdam, DEFAULT_ADAM, type AdamState } from './adam';
export { ReduceLrOnPlateau, EarlyStopping, DEFAULT_PLATEAU, DEFAULT_EARLY_STOPPING } from './schedule';
export { predict, labelMetrics, bceLoss, labelColumn, meanDefined, type Predictions } from './evaluate';
export { maskedBceWithLogitsSum } from './loss';
export { loadTrainingState, clearTrainingState, snapshotWeights, restoreWeights } from './checkpoint';
export { microBatches } from './batches';
export type {
  AdamOptions,
  EarlyStoppingOptions,
  EpochRecord,
  EvalLabelMetrics,
  PlateauOptions,
  SelectionMetric,
  StopReason,
  TrainConfig,
  TrainProgressEvent,
  TrainResult,
} from './types';
