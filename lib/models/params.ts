/**
 * Parameter counts and a diagram-ready description of a model (stages, output shapes, parameters per stage)
 * for the architecture figure.
 */
import * as tf from '@tensorflow/tfjs';

const BUFFER_WEIGHTS = /(^|\/)(moving_mean|moving_variance)(_\d+)?$/;

export interface CountOptions {
  /**
   * false (default): torch's `sum(p.numel() for p in model.parameters())`, i.e. every learnable weight whether
   * frozen or not, WITHOUT BatchNorm running statistics (torch buffers). This is the number papers and
   * torchvision report (DenseNet121 7,978,856; ResNet50 25,557,032).
   * true: also count BN moving mean/variance (what Keras/tfjs `countParams()` reports).
   */
  includeBuffers?: boolean;
}

function isBuffer(w: tf.LayerVariable): boolean {
  return BUFFER_WEIGHTS.test(w.originalName) || BUFFER_WEIGHTS.test(w.name);
}

export function countLayerParams(layer: tf.layers.Layer, opts: CountOptions = {}): number {
  let n = 0;
  for (const w of layer.weights) {
    if (!opts.includeBuffers && isBuffer(w)) continue;
    n += (w.shape as number[]).reduce((a, b) => a * b, 1);
  }
  return n;
}

export function countParams(model: tf.LayersModel, opts: CountOptions = {}): number {
  return model.layers.reduce((sum, layer) => sum + countLayerParams(layer, opts), 0);
}

export interface StageDescription {
  /** Stage name: 'stem', 'denseblock1', 'transition1', 'layer2', 'block3', 'head', ... */
  name: string;
  firstLayer: string;
  lastLayer: string;
  /** Output shape of the stage's last layer, batch dimension dropped (NHWC: [H, W, C], or [units]). */
  outputShape: number[];
  params: number;
  layers: number;
}

export interface ModelDescription {
  name: string;
  inputShape: number[];
  outputShape: number[];
  params: number;
  stages: StageDescription[];
}

/**
 * Default stage of a layer name for the architectures built here and Keras-style names; null = same stage as
 * the previous layer (activations, adds, pads that carry no stage in their name).
 */
export function defaultStageOf(name: string): string | null {
  let m = /^features\.(denseblock\d+|transition\d+|norm5)\b/.exec(name);
  if (m) return m[1]!;
  if (/^features\.(conv0|norm0|relu0|pool0)\b/.test(name)) return 'stem';
  m = /^(layer\d+)\./.exec(name);
  if (m) return m[1]!;
  if (/^(conv1|bn1|relu|maxpool)(\.|$)/.test(name)) return 'stem';
  m = /^(?:CBR|pool)(\d+)\b/.exec(name);
  if (m) return `block${m[1]}`;
  m = /^(?:res|bn)(\d)[a-z]_branch/.exec(name); // Keras ResNet50: res2a_branch2a, bn3b_branch2c, ...
  if (m) return `conv${m[1]}_x`;
  if (/^(conv1|bn_conv1|conv1_pad|pool1_pad|max_pooling2d_\d+)$/.test(name)) return 'stem';
  m = /^conv_(?:dw|pw)_(\d+)/.exec(name); // Keras MobileNet v1
  if (m) return `block${m[1]}`;
  if (/^(input|input_\d+)$/.test(name)) return 'input';
  if (/^(final_relu|global_pool|avgpool|gap|dp|classifier|fc|fc1000|avg_pool|predictions)\b/.test(name)) return 'head';
  if (/^(global_average_pooling2d|dropout|conv_preds|act_softmax|reshape)/.test(name)) return 'head';
  return null;
}

function shapeOf(layer: tf.layers.Layer): number[] {
  const s = layer.outputShape as (number | null)[] | (number | null)[][];
  const first = Array.isArray(s[0]) ? (s[0] as (number | null)[]) : (s as (number | null)[]);
  return first.slice(1).map((d) => d ?? -1);
}

export function describeModel(
  model: tf.LayersModel,
  stageOf: (layerName: string) => string | null = defaultStageOf,
): ModelDescription {
  const stages: StageDescription[] = [];
  let current: StageDescription | undefined;
  for (const layer of model.layers) {
    const explicit = stageOf(layer.name);
    const name = explicit ?? current?.name ?? 'input';
    if (!current || current.name !== name) {
      current = { name, firstLayer: layer.name, lastLayer: layer.name, outputShape: [], params: 0, layers: 0 };
      stages.push(current);
    }
    current.lastLayer = layer.name;
    current.outputShape = shapeOf(layer);
    current.params += countLayerParams(layer);
    current.layers += 1;
  }
  const inputShape = (model.inputs[0]!.shape as (number | null)[]).slice(1).map((d) => d ?? -1);
  const outputShape = (model.outputs[0]!.shape as (number | null)[]).slice(1).map((d) => d ?? -1);
  return {
    name: model.name,
    inputShape,
    outputShape,
    params: countParams(model),
    stages: stages.filter((s) => s.name !== 'input'),
  };
}
