/**
 * Model surgery: cut any LayersModel at a named layer and attach a classification head. This is the
 * operation the paper is about (truncated transfer learning).
 *
 * The truncated model SHARES its backbone layers (and so their weights) with the source model: build, load
 * pretrained weights, then truncate. tfjs frees a layer when the first model holding it is disposed, so dispose
 * only ONE of the two models. With `releaseSource: true` the source's layers beyond the cut are freed at once
 * (the source model is then unusable), so a loop over runs does not keep every discarded top half in memory.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import { initLayer } from './init';
import { apply, linear, relu, type Sym } from './layers';
import { DENSENET_CUTS } from './densenet';
import type { Truncation } from './types';

/**
 * - 'flatten-linear': the paper's code (Flatten -> Linear straight on the feature map). The feature map is
 *   flattened in torch's channel-major (C, H, W) order, so a torch-trained head loads without permutation.
 * - 'gap-linear': global average pool -> Linear.
 * - 'none': no head; the model outputs the feature map (for feature extraction).
 */
export type HeadKind = 'flatten-linear' | 'gap-linear' | 'none';

export interface HeadOptions {
  head: HeadKind;
  /** Output units (logits). Required unless head is 'none'. */
  numClasses?: number;
  /** Name of the new Linear layer (default 'classifier'), i.e. its torch keys are `<name>.weight/bias`. */
  headName?: string;
  /** Seed of the head's init: torch nn.Linear default U(±1/sqrt(fan_in)) for weight and bias. Default 0. */
  seed?: number;
  /** Apply a ReLU to the feature map before the head (torchvision DenseNet's own head does). */
  reluBeforeHead?: boolean;
  /** Free the source model's layers that the truncated model does not use (default false). */
  releaseSource?: boolean;
}

function attachHead(features: Sym, opts: HeadOptions): Sym {
  if (opts.head === 'none') return features;
  const name = opts.headName ?? 'classifier';
  const n = opts.numClasses;
  if (n === undefined || !Number.isInteger(n) || n < 1) {
    throw new ConfigError(`head '${opts.head}' needs a positive integer numClasses, got ${n}`, { field: 'numClasses' });
  }
  let x = opts.reluBeforeHead ? relu(features, `${name}.relu`) : features;
  const rank = x.shape.length;
  if (opts.head === 'flatten-linear') {
    if (rank === 4) x = apply(tf.layers.permute({ name: `${name}.to_chw`, dims: [3, 1, 2] }), x);
    if (rank > 2) x = apply(tf.layers.flatten({ name: `${name}.flatten` }), x);
  } else if (opts.head === 'gap-linear') {
    if (rank !== 4) throw new ConfigError(`gap-linear needs a 4-D feature map, got rank ${rank}`, { field: 'head' });
    x = apply(tf.layers.globalAveragePooling2d({ name: `${name}.gap` }), x);
  } else {
    throw new ConfigError(`unknown head '${String(opts.head)}'`, { field: 'head' });
  }
  return linear(x, name, n);
}

/** Cut `model` after `layerName` (its output becomes the features) and attach a head. */
export function truncateAt(model: tf.LayersModel, layerName: string, opts: HeadOptions): tf.LayersModel {
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(layerName);
  } catch {
    throw new ConfigError(`truncateAt: model '${model.name}' has no layer named '${layerName}'`, { field: 'layerName' });
  }
  if (model.inputs.length !== 1) {
    throw new ConfigError(`truncateAt: only single-input models are supported ('${model.name}' has ${model.inputs.length})`);
  }
  const features = layer.getOutputAt(0) as Sym;
  const output = attachHead(features, opts);
  const truncated = tf.model({ inputs: model.inputs, outputs: output, name: `${model.name}_to_${layerName.replace(/[^A-Za-z0-9_]/g, '_')}` });
  if (opts.head !== 'none') {
    initLayer(truncated.getLayer(opts.headName ?? 'classifier'), 'torch-default', 'torch-default', opts.seed ?? 0);
  }
  if (opts.releaseSource) {
    const kept = new Set(truncated.layers);
    for (const l of model.layers) if (!kept.has(l)) l.dispose();
  }
  return truncated;
}

/**
 * The paper's DenseNet121 truncation (sun-umn/TTL `truncate_densenet`): keep torchvision `features` children up
 * to and including transition 1/2/3 ('T1'..'T3'), or all of `features` through norm5 ('F'), then the head.
 * 'F' with 'gap-linear' is torchvision's own head (ReLU -> GAP -> Linear); 'F' with 'flatten-linear' follows
 * the paper's code (no ReLU). Any registry model: `truncateModel` (registry.ts).
 */
export function truncateDenseNet(
  model: tf.LayersModel,
  level: Truncation,
  opts: Omit<HeadOptions, 'reluBeforeHead'>,
): tf.LayersModel {
  const cut = DENSENET_CUTS[level];
  if (!cut) throw new ConfigError(`truncateDenseNet: level must be T1, T2, T3 or F, got '${level}'`, { field: 'level' });
  return truncateAt(model, cut, { ...opts, reluBeforeHead: level === 'F' && opts.head === 'gap-linear' });
}

export interface PooledFeatureLayer {
  /** The layer whose output is pooled. */
  layer: string;
  /** Apply a ReLU before pooling (torchvision DenseNet's features end in norm5, and its head applies the ReLU). */
  relu?: boolean;
}

/**
 * A model with one output per requested layer: that layer's feature map, global-average-pooled to
 * [batch, channels]. One forward pass then gives the features after every stage (the linear probe at each cut).
 * It shares its layers with `model`; dispose only one of the two.
 */
export function pooledFeatures(model: tf.LayersModel, layers: PooledFeatureLayer[]): tf.LayersModel {
  if (layers.length === 0) throw new ConfigError('pooledFeatures: give at least one layer', { field: 'layers' });
  const outputs = layers.map(({ layer: name, relu: withRelu }, i) => {
    let layer: tf.layers.Layer;
    try {
      layer = model.getLayer(name);
    } catch {
      throw new ConfigError(`pooledFeatures: model '${model.name}' has no layer named '${name}'`, { field: `layers[${i}].layer` });
    }
    let x = layer.getOutputAt(0) as Sym;
    if (x.shape.length !== 4) throw new ConfigError(`pooledFeatures: layer '${name}' outputs rank ${x.shape.length}, not a 4-D feature map`, { field: `layers[${i}].layer` });
    if (withRelu) x = relu(x, `pooled${i}.relu`);
    return apply(tf.layers.globalAveragePooling2d({ name: `pooled${i}.gap` }), x);
  });
  return tf.model({ inputs: model.inputs, outputs, name: `${model.name}_pooled` });
}
