/**
 * Tiny models with the layouts of the paper's networks, built inline with tf.layers (so the backend tests do
 * not depend on lib/models): a CBR net (7x7 and 5x5 valid convs with bias, 3x3/2 max pool, GAP, dropout,
 * dense), a DenseNet-style block (explicit zero padding, 7x7/2 stem, 3x3/2 max pool, BN-ReLU-conv1x1-BN-ReLU-
 * conv3x3 + concat, transition conv1x1 + avgpool2) and a ResNet bottleneck (stride-2 3x3 and stride-2 1x1
 * projection). Heads output logits; the loss is sigmoid cross-entropy (BCE with logits).
 */
import * as tf from '@tensorflow/tfjs';
import { randomValues } from './helpers';

type Sym = tf.SymbolicTensor;

// Every initializer is seeded, so a model built twice has the same weights (tests must be repeatable).
let nextSeed = 1000;
const seeded = {
  kernel: () => tf.initializers.glorotNormal({ seed: nextSeed++ }),
  bias: () => tf.initializers.randomNormal({ seed: nextSeed++, stddev: 0.05 }),
};
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;
const bn = (x: Sym): Sym => apply(tf.layers.batchNormalization({ axis: -1, epsilon: 1e-5, momentum: 0.9 }), x);
const relu = (x: Sym): Sym => apply(tf.layers.reLU(), x);
const conv = (x: Sym, filters: number, k: number, stride = 1, bias = false): Sym =>
  apply(
    tf.layers.conv2d({
      filters,
      kernelSize: k,
      strides: stride,
      padding: 'valid',
      useBias: bias,
      kernelInitializer: seeded.kernel(),
      biasInitializer: seeded.bias(),
    }),
    x,
  );
const pad = (x: Sym, p: number): Sym => apply(tf.layers.zeroPadding2d({ padding: p }), x);
const head = (x: Sym, classes: number): Sym =>
  apply(tf.layers.dense({ units: classes, kernelInitializer: seeded.kernel() }), apply(tf.layers.dropout({ rate: 0.1, seed: 7 }), apply(tf.layers.globalAveragePooling2d({}), x)));

export function tinyCbr(size = 29, classes = 3): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x = conv(input, 5, 7, 1, true);
  x = relu(bn(x));
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }), x);
  x = relu(bn(conv(x, 6, 5, 1, true)));
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }), x);
  return tf.model({ inputs: input, outputs: head(x, classes) });
}

export function tinyDenseNet(size = 23, classes = 3): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  let x = relu(bn(conv(pad(input, 3), 6, 7, 2)));
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2 }), pad(x, 1));
  for (let i = 0; i < 2; i++) {
    let y = conv(relu(bn(x)), 8, 1);
    y = conv(pad(relu(bn(y)), 1), 3, 3);
    x = apply(tf.layers.concatenate({ axis: -1 }), [x, y]);
  }
  x = conv(relu(bn(x)), 5, 1);
  x = apply(tf.layers.averagePooling2d({ poolSize: 2, strides: 2 }), x);
  return tf.model({ inputs: input, outputs: head(relu(bn(x)), classes) });
}

export function tinyResNetBottleneck(size = 15, classes = 3): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] });
  const stem = relu(bn(conv(input, 6, 3)));
  let y = relu(bn(conv(stem, 3, 1)));
  y = relu(bn(conv(pad(y, 1), 3, 3, 2)));
  y = bn(conv(y, 7, 1));
  const shortcut = bn(conv(stem, 7, 1, 2));
  const x = relu(apply(tf.layers.add(), [y, shortcut]));
  return tf.model({ inputs: input, outputs: head(x, classes) });
}

export function bceLoss(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
}

/** A model with its initial weights and one seeded batch (inputs and 0/1 labels), to train from the same start twice. */
export interface Fixture {
  name: string;
  model: tf.LayersModel;
  initial: Float32Array[];
  x: Float32Array;
  y: Float32Array;
  xShape: number[];
  yShape: number[];
}

export function makeFixture(name: string, build: () => tf.LayersModel, seed: number, batch: number): Fixture {
  const model = build();
  const [, h, w, c] = model.inputs[0].shape as number[];
  const classes = (model.outputs[0].shape as number[])[1];
  return {
    name,
    model,
    initial: model.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array)),
    x: randomValues(batch * h * w * c, seed),
    y: randomValues(batch * classes, seed + 1).map((v) => (v > 0 ? 1 : 0)),
    xShape: [batch, h, w, c],
    yShape: [batch, classes],
  };
}
