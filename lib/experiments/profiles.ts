/**
 * Run profiles: the exact settings behind every stored number. A profile never changes silently: its
 * settings are part of each run's configuration hash, so editing one makes new runs instead of mixing results.
 *
 * All profiles: Adam (torch semantics) lr 1e-4, betas (0.9, 0.999), eps 1e-8; BCE with logits, one output per
 * label; best epoch by validation mean trapezoidal AUPRC (the paper's 2021 code); images padded to square with
 * white and replicated to 3 channels; normalisation fixed by the model's weights source (ImageNet mean/std for
 * torchvision and CBR models, caffe BGR mean subtraction for Keras ResNet50; in a grid whose TL source is 'cxr',
 * DenseNet121 gets TorchXRayVision's one grey channel at [-1024, 1024] instead).
 * Models whose valid-padding convs need a larger input than the profile's size run at their minimum
 * (CBR-Tiny 91 px, CBR-Small and CBR-LargeW 121 px, CBR-LargeT 217 px); the size used is stored with the run.
 */
import { ConfigError } from '../errors';
import { DEFAULT_ADAM } from '../train/adam';
import { parseWith } from '../util/schema';
import { profileSchema } from './schemas';
import type { ProfileSpec } from './types';

/**
 * quick: a smoke-scale run of a whole grid. 64 px, 2 epochs, batch 16, no augmentation, no LR schedule,
 * 1 seed, 200 bootstrap replicates. Numbers from it show the pipeline works, not what TL does.
 */
export const QUICK: ProfileSpec = {
  id: 'quick',
  description: '64 px, 2 epochs, batch 16, no augmentation, no LR schedule, 1 seed (smoke scale)',
  imageSize: 64,
  channels: 3,
  fit: 'pad-white',
  augment: null,
  training: {
    epochs: 2,
    batchSize: 16,
    microBatchSize: 16,
    optimizer: { ...DEFAULT_ADAM },
    plateau: null,
    earlyStopping: null,
    stopBelowLr: null,
    selectBy: 'val-mean-auprc',
  },
  seeds: 1,
  bootstrap: 200,
};

/**
 * cpu: what a 2-core machine affords for real results. 128 px, up to 15 epochs, batch 32 (micro-batches of 16),
 * horizontal flips, ReduceLROnPlateau(0.1, patience 3) and early stopping (patience 5) on validation mean
 * AUPRC, 3 seeds, 1000 bootstrap replicates.
 */
export const CPU: ProfileSpec = {
  id: 'cpu',
  description: '128 px, <= 15 epochs, batch 32 (micro 16), flips, plateau 0.1/3, early stop 5, 3 seeds',
  imageSize: 128,
  channels: 3,
  fit: 'pad-white',
  augment: { horizontalFlip: true },
  training: {
    epochs: 15,
    batchSize: 32,
    microBatchSize: 16,
    optimizer: { ...DEFAULT_ADAM },
    plateau: { factor: 0.1, patience: 3, threshold: 1e-4, minLr: 0, cooldown: 0 },
    earlyStopping: { patience: 5, minDelta: 0 },
    stopBelowLr: null,
    selectBy: 'val-mean-auprc',
  },
  seeds: 3,
  bootstrap: 1000,
};

/**
 * cpu64: the cpu profile at 64 px, everything else identical. The pneumonia study's profile: five training
 * fractions x ten arms x three seeds at 128 px would take about 36 h on this project's 2-core machine; at 64 px it
 * takes about a third of that (results/README.md gives the measured times). MedMNIST's published baselines on the
 * same images are at 28-224 px; the notebook says what the lower resolution may cost TL.
 */
export const CPU64: ProfileSpec = {
  ...CPU,
  id: 'cpu64',
  description: '64 px, <= 15 epochs, batch 32 (micro 16), flips, plateau 0.1/3, early stop 5, 3 seeds (the cpu profile at 64 px)',
  imageSize: 64,
};

/**
 * paper: the paper's 2021 code (PL97/ShallowDeepNN Chexpert scripts), the closest code to the v1 figures:
 * 224 px, Adam lr 1e-4 with weight decay 1e-5, batch 32, at most 20 epochs, ReduceLROnPlateau(factor 0.1,
 * patience 5) on validation mean AUPRC, best checkpoint by validation mean AUPRC, no augmentation.
 * Batch 32 in one pass, so BatchNorm normalises over all 32 images as in the paper: this needs the native (or
 * tensorflow) backend; on wasm DenseNet121 at 224 px fits about 8 images in the 4 GiB heap and training stops
 * with an error naming training.microBatchSize. 3 seeds (the paper's number of runs is not stated).
 */
export const PAPER: ProfileSpec = {
  id: 'paper',
  description: "224 px, the paper's 2021 code: Adam 1e-4 wd 1e-5, batch 32 (one pass), <= 20 epochs, plateau 0.1/5 on val AUPRC, 3 seeds",
  imageSize: 224,
  channels: 3,
  fit: 'pad-white',
  augment: null,
  training: {
    epochs: 20,
    batchSize: 32,
    microBatchSize: 32,
    optimizer: { ...DEFAULT_ADAM, weightDecay: 1e-5 },
    plateau: { factor: 0.1, patience: 5, threshold: 1e-4, minLr: 0, cooldown: 0 },
    earlyStopping: null,
    stopBelowLr: null,
    selectBy: 'val-mean-auprc',
  },
  seeds: 3,
  bootstrap: 1000,
};

export const PROFILES: Readonly<Record<string, ProfileSpec>> = { quick: QUICK, cpu: CPU, cpu64: CPU64, paper: PAPER };

/** Validate a user-defined profile (same form as the ones above); unknown keys and bad values name the field. */
export function defineProfile(profile: ProfileSpec): ProfileSpec {
  return parseWith(profileSchema, profile, `profile '${String((profile as { id?: unknown })?.id)}'`);
}

export function getProfile(id: string): ProfileSpec {
  const profile = PROFILES[id];
  if (!profile) throw new ConfigError(`unknown profile '${id}' (known: ${Object.keys(PROFILES).join(', ')})`, { key: id });
  return profile;
}
