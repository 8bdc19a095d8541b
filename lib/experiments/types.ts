/**
 * The vocabulary of experiments: a grid is model x initialisation cells, crossed with training-data fractions
 * and seeds; each (cell, fraction, seed) under a profile and a dataset is one run with one stored record.
 */
import type { ImagePipelineOptions } from '../data/types';
import type { ModelId, TlSource, WeightsPaths } from '../models/registry';
import type { Truncation } from '../models/types';
import type { AdamOptions, EarlyStoppingOptions, EpochRecord, EvalLabelMetrics, PlateauOptions, SelectionMetric, StopReason } from '../train/types';

export type { ModelId, WeightsPaths } from '../models/registry';
export type { Truncation } from '../models/types';

export type GridHeadKind = 'flatten-linear' | 'gap-linear';

export interface ModelSpec {
  id: ModelId;
  /** For models with cut points (registry `cuts`); the CBR nets are used whole. Default 'F'. */
  truncation?: Truncation;
  /** Head after the kept stages (DenseNet / ResNet). CBR nets keep their own GAP -> Dropout -> Linear head. */
  head?: GridHeadKind;
}

/**
 * The arms of a comparison. TL: fine-tuned from the model's pretrained source; RI: trained from random
 * initialisation; LP: the linear probe, the pretrained backbone frozen and only a linear classifier fitted on its
 * pooled features after the cut (experiments/probe-run.ts). A new arm is one more entry here.
 */
export const INITS = {
  TL: { pretrained: true, method: 'fine-tune', description: "fine-tuned from the model's pretrained weights" },
  RI: { pretrained: false, method: 'fine-tune', description: 'trained from random initialisation' },
  LP: {
    pretrained: true,
    method: 'linear-probe',
    description: 'pretrained backbone frozen; L2 logistic regression on its globally pooled features after the cut, C chosen on validation',
  },
} satisfies Record<string, { pretrained: boolean; method: 'fine-tune' | 'linear-probe'; description: string }>;
export type Init = keyof typeof INITS;

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
  /** Which pretrained source TL cells start from (a name in the registry's TL_SOURCES); default 'imagenet'. */
  tlSource?: TlSource;
  /** What a reader must know about this grid (substitutions, unavailable sources). */
  notes: string[];
}

/** How a run trains. Off is `null` (no LR schedule, no early stopping, no minimum learning rate). */
export interface TrainingSettings {
  epochs: number;
  batchSize: number;
  /** Images per forward/backward pass; gradients accumulate up to batchSize (see TrainConfig.microBatchSize). */
  microBatchSize: number;
  optimizer: AdamOptions;
  plateau: PlateauOptions | null;
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
  /** Training-time augmentation; null = none. */
  augment: NonNullable<ImagePipelineOptions['augment']> | null;
  training: TrainingSettings;
  /** Default number of seeds when the caller gives none. */
  seeds: number;
  /** Bootstrap replicates for the test-set CIs. */
  bootstrap: number;
}

export interface DatasetRef {
  /** A DATASETS id (lib/data/registry.ts), e.g. 'covid-cohen'. */
  id: string;
  /** The loader's options (root folder etc.), exactly as passed to loadDataset. */
  options: Record<string, unknown>;
}

/** Everything that determines a run's numbers. Its canonical-JSON sha256 is the run's identity. */
export interface RunConfig {
  dataset: { id: string; contentHash: string; labelNames: string[]; synthetic: boolean };
  /**
   * 'source': the dataset's own split column; 'source-val-carved': its train/test with val drawn from train;
   * 'patient-stratified': splitDataset with `seed`.
   */
  split: { method: 'source' | 'source-val-carved' | 'patient-stratified'; hash: string; seed: number };
  /** This run's share of the training split, and the nested ladder it was drawn from (seeded by the run seed). */
  fraction: number;
  fractionLadder: number[];
  cell: { model: Required<ModelSpec> | ModelSpec; init: Init };
  weights: { source: string; sha256: string | null } | null;
  pipeline: ImagePipelineOptions;
  training: StoredTrainingSettings;
  seed: number;
  profile: string;
}

/**
 * Training settings as a run's record (and so its hash) spells them: records since the first write a disabled LR
 * schedule as `plateau: false`, so that spelling stays here, and only here (run-config.ts converts), to keep every
 * stored run's identity.
 */
export type StoredTrainingSettings = Omit<TrainingSettings, 'plateau'> & { plateau: PlateauOptions | false };

/** A run as the runner schedules it. */
export interface RunSpec {
  configHash: string;
  config: RunConfig;
  grid: string;
  cellName: string;
  dataset: DatasetRef;
  /** The grid's pretrained source (the chosen weights are in `config.weights`). */
  tlSource: TlSource;
  weightsPaths: WeightsPaths;
  /** Where per-epoch training state lives while the run is unfinished. */
  checkpointDir: string;
  /** The planned data's Dataset.imagesHash: a worker that loads other image bytes refuses to train. */
  imagesHash?: string | null;
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
    /**
     * Dataset.imagesHash: the image bytes the run trained and tested on (null: not read, imageCheck 'none').
     * Absent in records made before images were hashed; not part of the config hash (see Dataset.imagesHash).
     */
    imagesHash?: string | null;
    /** Label-file rows the loader skipped (onBadRow 'skip'), with the reason; absent when none were. */
    skipped?: Array<{ file?: string; row?: number; reason: string }>;
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
  /**
   * Wall seconds, from the monotonic clock. A resumed run adds the seconds earlier processes spent on it up to
   * the checkpoint it resumed from; a failed run counts its own process only.
   */
  wallSeconds: number;
  /** ok: test-set metrics of the selected epoch. */
  test?: TestMetrics[];
  bestEpoch?: number;
  stopReason?: StopReason;
  resumedFromEpoch?: number;
  /** ok, linear-probe runs: the C chosen and every C's validation result (they have no epochs, so no curve). */
  probe?: ProbeSummary;
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

/** What a linear-probe run stores about its fit. */
export interface ProbeSummary {
  /** The inverse L2 strength kept (best validation score of the profile's selection metric). */
  C: number;
  /** Pooled features per image (the channels after the cut). */
  featureDim: number;
  /** Whether the frozen features came from the on-disk cache. */
  featuresCached: boolean;
  curve: Array<{ C: number; valLoss: number; valMeanAuroc: number | null; valMeanAuprc: number | null; converged: boolean[] }>;
}
