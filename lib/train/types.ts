/**
 * Public types of the training loop. Plain data only, so a record can be written to the results store, sent
 * between processes, or shown in a notebook without touching tensors.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BatchSource } from '../data/types';

/** What picks the best epoch (the checkpoint that is kept and evaluated on the test set). */
export type SelectionMetric =
  /** Mean validation AUPRC over labels, trapezoidal (the paper's 2021 code: Chexpert/densenet.py `_val`). */
  | 'val-mean-auprc'
  /** Validation loss (the paper's 2022 code, TTL main.py: `best.pt` = min val loss). */
  | 'val-loss';

export interface AdamOptions {
  /** Default 1e-4: both of the paper's code bases. */
  learningRate: number;
  beta1: number;
  beta2: number;
  /** PyTorch's default 1e-8 (tfjs' own Adam uses 1e-7). */
  epsilon: number;
  /** L2 penalty added to the gradient, as torch.optim.Adam(weight_decay); the 2021 code used 1e-5. */
  weightDecay: number;
}

export interface PlateauOptions {
  /** Multiply the learning rate by this when the monitored value stalls. */
  factor: number;
  /** Epochs without improvement before reducing. */
  patience: number;
  /** Relative improvement needed to count as better (torch 'rel' threshold mode). */
  threshold: number;
  minLr: number;
  /** Epochs to wait after a reduction before counting again. */
  cooldown: number;
}

export interface EarlyStoppingOptions {
  /** Stop after this many epochs without improvement of the selection metric. */
  patience: number;
  /** Absolute improvement needed to reset the patience counter. */
  minDelta: number;
}

export interface TrainConfig {
  /** A model mapping NHWC images to one logit per label; its weights are trained in place. */
  model: tf.LayersModel;
  /** Training batches (shuffled, seeded per epoch). Each yielded batch is one optimiser step. */
  train: BatchSource;
  /** Validation batches, evaluated after each epoch. */
  val: BatchSource;
  labelNames: string[];
  /** Upper bound on epochs (the loop may stop earlier: early stopping, minimum learning rate). */
  epochs: number;
  /**
   * Most images pushed through the network at once. A larger batch is split into micro-batches whose
   * gradients are summed before one optimiser step (gradient accumulation). The loss is normalised by the
   * whole batch's count of unmasked labels, so the accumulated gradient equals the full-batch gradient —
   * except through BatchNorm, whose training-mode statistics (and running-average updates) are computed per
   * micro-batch: with micro-batches of 8, BN sees batches of 8 whatever the nominal batch size.
   * Default: no splitting.
   */
  microBatchSize?: number;
  optimizer?: Partial<AdamOptions>;
  /** Per-label positive weight for BCE (torch BCEWithLogitsLoss pos_weight); default 1 for every label. */
  posWeight?: number[];
  /** ReduceLROnPlateau on the selection metric; absent: torch's defaults; null: off. */
  plateau?: Partial<PlateauOptions> | null;
  /** Absent or null: off. */
  earlyStopping?: Partial<EarlyStoppingOptions> | null;
  /** Stop when the learning rate falls below this (the 2022 code stops at 1e-6). Absent or null: off. */
  stopBelowLr?: number | null;
  /** Default 'val-mean-auprc' (the paper's 2021 code). */
  selectBy?: SelectionMetric;
  /**
   * Directory for per-epoch training state. When it holds a state from the same configuration, training
   * resumes after its last finished epoch; a killed run loses at most one epoch of work.
   */
  checkpointDir?: string;
  /**
   * Identifies the configuration a checkpoint belongs to (e.g. a run's config hash). Resuming with a
   * different fingerprint is refused instead of silently mixing two runs.
   */
  fingerprint?: string;
  /**
   * Seeds the training-time randomness the loop owns (dropout masks, see seeded-random.ts). Initial weights
   * and batch order are seeded by the model builder and the batch source. Default 0.
   */
  seed?: number;
  onProgress?: (event: TrainProgressEvent) => void;
}

export interface EvalLabelMetrics {
  label: string;
  /** Null when undefined for this split (a label with no positives or no negatives among counted items). */
  auroc: number | null;
  /** Trapezoidal area under the PR curve (sklearn `auc(recall, precision)`, the paper's choice). */
  auprc: number | null;
  /** Average precision (sklearn `average_precision_score`). */
  ap: number | null;
  positives: number;
  negatives: number;
  /** Why a metric is null, if it is. */
  note?: string;
}

export interface EpochRecord {
  epoch: number;
  learningRate: number;
  trainLoss: number;
  valLoss: number;
  /** Mean over labels with a defined value; null when none is defined. */
  valMeanAuroc: number | null;
  valMeanAuprc: number | null;
  val: EvalLabelMetrics[];
  seconds: number;
  trainImages: number;
}

export type StopReason = 'max-epochs' | 'early-stopping' | 'min-learning-rate';

export interface TrainResult {
  history: EpochRecord[];
  /** 1-based epoch whose weights the model holds on return. */
  bestEpoch: number;
  selectBy: SelectionMetric;
  stopReason: StopReason;
  /** Epoch training resumed after (0 when it started fresh). */
  resumedFromEpoch: number;
  /** Wall seconds of training in this call. */
  seconds: number;
  /** Wall seconds earlier processes spent on this run up to the checkpoint it resumed from (0 when fresh). */
  priorSeconds: number;
}

export type TrainProgressEvent =
  | { type: 'epoch-start'; epoch: number; epochs: number; learningRate: number }
  | {
      type: 'batch';
      epoch: number;
      epochs: number;
      /** 1-based index of the optimiser step within the epoch. */
      batch: number;
      /** Steps per epoch, when the batch source can tell (numItems / batch size estimate). */
      batches: number | null;
      loss: number;
      imagesPerSecond: number;
    }
  | { type: 'evaluating'; epoch: number; epochs: number }
  | { type: 'epoch-end'; epoch: number; epochs: number; record: EpochRecord; isBest: boolean }
  | { type: 'resumed'; fromEpoch: number; epochs: number }
  /** The checkpoint folder held a damaged state: it was moved to `movedTo` and training starts over. */
  | { type: 'checkpoint-discarded'; reason: string; movedTo: string }
  /** Linear probe: frozen-backbone features computed for `done` of `total` images (absent when cached). */
  | { type: 'features'; done: number; total: number }
  /** Linear probe: the classifier fitted for the `index`-th of `total` regularisation strengths. */
  | { type: 'probe'; index: number; total: number; C: number; valMeanAuprc: number | null };
