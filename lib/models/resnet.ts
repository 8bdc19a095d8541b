/**
 * ResNet-50 with torchvision's structure: Bottleneck blocks (3,4,6,3), the stride on the 3x3 conv ("v1.5"),
 * no conv biases, a 1x1 conv + BN projection (`downsample.0/1`) on the first block of each stage, and
 * torchvision's initialisation (kaiming normal fan_out; zero_init_residual=False). Layer names are the torch
 * module paths (see naming.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { applyTorchInit } from './init';
import { apply, batchNorm, conv, linear, maxPool, modelInput, relu, type Sym } from './layers';
import { resolveModelOptions, type CutPoints, type ModelOptions } from './types';

export const RESNET50_LAYERS = [3, 4, 6, 3] as const;
const EXPANSION = 4;

/** Output of each stage (the last block's final ReLU): layer1..layer3 are T1..T3, layer4 is F (the later TTL code). */
export const RESNET50_CUTS: CutPoints = {
  T1: 'layer1.2.relu',
  T2: 'layer2.3.relu',
  T3: 'layer3.5.relu',
  F: 'layer4.2.relu',
};

function bottleneck(x: Sym, prefix: string, planes: number, stride: number, project: boolean): Sym {
  let y = conv(x, `${prefix}.conv1`, planes, 1);
  y = relu(batchNorm(y, `${prefix}.bn1`), `${prefix}.relu1`);
  y = conv(y, `${prefix}.conv2`, planes, 3, { stride, pad: 1 });
  y = relu(batchNorm(y, `${prefix}.bn2`), `${prefix}.relu2`);
  y = conv(y, `${prefix}.conv3`, planes * EXPANSION, 1);
  y = batchNorm(y, `${prefix}.bn3`);
  let identity = x;
  if (project) {
    identity = conv(x, `${prefix}.downsample.0`, planes * EXPANSION, 1, { stride });
    identity = batchNorm(identity, `${prefix}.downsample.1`);
  }
  const sum = apply(tf.layers.add({ name: `${prefix}.add` }), [y, identity]);
  return relu(sum, `${prefix}.relu`);
}

/** torchvision `resnet50(num_classes)`: 25,557,032 parameters with 1000 classes. Output: logits. */
export function resnet50(opts: ModelOptions): tf.LayersModel {
  const o = resolveModelOptions(opts, 'resnet50', 32);
  const input = modelInput(o.inputSize, o.channels);
  let x = conv(input, 'conv1', 64, 7, { stride: 2, pad: 3 });
  x = relu(batchNorm(x, 'bn1'), 'relu');
  x = maxPool(x, 'maxpool', 3, 2, 1);
  let inplanes = 64;
  RESNET50_LAYERS.forEach((blocks, s) => {
    const planes = 64 * 2 ** s;
    const stride = s === 0 ? 1 : 2;
    for (let b = 0; b < blocks; b++) {
      const project = b === 0 && (stride !== 1 || inplanes !== planes * EXPANSION);
      x = bottleneck(x, `layer${s + 1}.${b}`, planes, b === 0 ? stride : 1, project);
      inplanes = planes * EXPANSION;
    }
  });
  x = apply(tf.layers.globalAveragePooling2d({ name: 'avgpool' }), x);
  const logits = linear(x, 'fc', o.numClasses);
  const model = tf.model({ inputs: input, outputs: logits, name: 'resnet50' });
  applyTorchInit(
    model,
    { convKernel: 'kaiming-normal-fan-out', convBias: 'zeros', denseKernel: 'torch-default', denseBias: 'torch-default' },
    o.seed,
  );
  return model;
}
