/**
 * A run's configuration: everything that determines its numbers, in the form its record stores. Its canonical-JSON
 * sha256 (util/hash `hashJson`) is the run's identity, so this is the one place that decides how a setting is
 * spelled in a record; test/experiments/run-identity.test.ts checks every stored run is planned with its hash.
 */
import type { Dataset } from '../data/types';
import type { TlSource } from '../models/registry';
import type { WeightsInfo } from '../models/weights/sources';
import { SPLIT_SEED, type SplitChoice } from './data-plan';
import { inputChannelsFor, minInputSize, normalizationFor } from './model-factory';
import { INITS, type Init, type ModelSpec, type ProfileSpec, type RunConfig, type StoredTrainingSettings, type TrainingSettings } from './types';

export interface RunConfigInput {
  dataset: Dataset;
  split: SplitChoice;
  /** The nested training-data ladder and this run's rung. */
  fractionLadder: number[];
  fraction: number;
  /** Normalised (normalizeModelSpec), so equal models hash equal. */
  model: ModelSpec;
  init: Init;
  /** The grid's pretrained source: it fixes the pixel normalisation (and a grey source the channels) of TL and RI cells alike. */
  tlSource: TlSource;
  weights: WeightsInfo | null;
  profile: ProfileSpec;
  seed: number;
}

export function runConfig(input: RunConfigInput): RunConfig {
  const { dataset, profile, model } = input;
  return {
    dataset: { id: dataset.id, contentHash: dataset.contentHash, labelNames: dataset.labelNames, synthetic: dataset.synthetic },
    split: { method: input.split.method, hash: input.split.splits.hash, seed: SPLIT_SEED },
    fraction: input.fraction,
    fractionLadder: input.fractionLadder,
    cell: { model, init: input.init },
    weights: input.weights ? { source: input.weights.source, sha256: input.weights.sha256 } : null,
    pipeline: {
      size: Math.max(profile.imageSize, minInputSize(model)),
      channels: inputChannelsFor(model, input.tlSource, profile.channels),
      fit: profile.fit,
      normalize: normalizationFor(model, input.tlSource),
      // No augmentation is stored as no `augment` key at all (canonical JSON drops undefined). A linear probe's
      // frozen features are computed once, unaugmented, whatever the profile says.
      augment: INITS[input.init].method === 'linear-probe' ? undefined : (profile.augment ?? undefined),
    },
    training: storedTraining(profile.training),
    seed: input.seed,
    profile: profile.id,
  };
}

/** Settings -> their stored spelling (a disabled LR schedule is `false` in records). */
export function storedTraining(settings: TrainingSettings): StoredTrainingSettings {
  return { ...settings, plateau: settings.plateau ?? false };
}

/** A record's stored settings -> the settings training takes (off is `null`). */
export function trainingSettings(stored: StoredTrainingSettings): TrainingSettings {
  return { ...stored, plateau: stored.plateau === false ? null : stored.plateau };
}
