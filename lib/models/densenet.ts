/**
 * DenseNet-121 with torchvision's structure (`torchvision/models/densenet.py`, growth 32, blocks (6,12,24,16),
 * bn_size 4, 64 initial features, drop_rate 0) and torchvision's initialisation. Layer names are the torch
 * module paths (see naming.ts), so torchvision / timm `densenet121` state dicts load key for key.
 */
import * as tf from '@tensorflow/tfjs';
import { applyTorchInit } from './init';
import { avgPool, batchNorm, conv, linear, maxPool, modelInput, relu, type Sym, apply } from './layers';
import { resolveModelOptions, type CutPoints, type ModelOptions } from './types';

export const DENSENET121_BLOCKS = [6, 12, 24, 16] as const;
const GROWTH = 32;
const BN_SIZE = 4;
const INIT_FEATURES = 64;

/** Layer whose output is the end of each truncation level (torchvision `features` children). */
export const DENSENET_CUTS: CutPoints = {
  T1: 'features.transition1.pool',
  T2: 'features.transition2.pool',
  T3: 'features.transition3.pool',
  F: 'features.norm5',
};

function denseLayer(x: Sym, prefix: string): Sym {
  let y = batchNorm(x, `${prefix}.norm1`);
  y = relu(y, `${prefix}.relu1`);
  y = conv(y, `${prefix}.conv1`, BN_SIZE * GROWTH, 1);
  y = batchNorm(y, `${prefix}.norm2`);
  y = relu(y, `${prefix}.relu2`);
  y = conv(y, `${prefix}.conv2`, GROWTH, 3, { pad: 1 });
  // torch concatenates [block input, new features of layer 1, ..., layer L] on channels: same order here.
  return apply(tf.layers.concatenate({ name: `${prefix}.concat`, axis: -1 }), [x, y]);
}

function transition(x: Sym, prefix: string, outChannels: number): Sym {
  let y = batchNorm(x, `${prefix}.norm`);
  y = relu(y, `${prefix}.relu`);
  y = conv(y, `${prefix}.conv`, outChannels, 1);
  return avgPool(y, `${prefix}.pool`, 2, 2);
}

/**
 * torchvision `densenet121(num_classes)`: 7,978,856 parameters with 1000 classes. Output: logits.
 * The head is torchvision's: ReLU -> global average pool -> `classifier` Linear(1024, numClasses).
 */
export function densenet121(opts: ModelOptions): tf.LayersModel {
  const o = resolveModelOptions(opts, 'densenet121', 32);
  const input = modelInput(o.inputSize, o.channels);
  let x = conv(input, 'features.conv0', INIT_FEATURES, 7, { stride: 2, pad: 3 });
  x = batchNorm(x, 'features.norm0');
  x = relu(x, 'features.relu0');
  x = maxPool(x, 'features.pool0', 3, 2, 1);
  let channels = INIT_FEATURES;
  DENSENET121_BLOCKS.forEach((layers, b) => {
    for (let l = 1; l <= layers; l++) x = denseLayer(x, `features.denseblock${b + 1}.denselayer${l}`);
    channels += layers * GROWTH;
    if (b < DENSENET121_BLOCKS.length - 1) {
      channels /= 2;
      x = transition(x, `features.transition${b + 1}`, channels);
    }
  });
  x = batchNorm(x, 'features.norm5');
  x = relu(x, 'final_relu');
  x = apply(tf.layers.globalAveragePooling2d({ name: 'global_pool' }), x);
  const logits = linear(x, 'classifier', o.numClasses);
  const model = tf.model({ inputs: input, outputs: logits, name: 'densenet121' });
  applyTorchInit(
    model,
    { convKernel: 'kaiming-normal-fan-in', convBias: 'zeros', denseKernel: 'torch-default', denseBias: 'zeros' },
    o.seed,
  );
  return model;
}
