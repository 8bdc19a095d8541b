/**
 * The training executor's fusions (BatchNorm -> ReLU, ZeroPadding2D -> Conv2D) are made exactly where the
 * producer's output has that one consumer and is not a model output, and a graph with every kind of near miss
 * trains to the same values as stock tfjs on cpu.
 */
import { beforeAll, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { plannedFusions } from '../../../lib/kernels/native/fused-graph';
import { randomTensor, relMaxError } from '../../backend/helpers';
import { describeNative, onBoth, useNative } from './helpers';

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;
let seed = 500;
const conv = (name: string, x: Sym, filters: number, k: number) =>
  apply(tf.layers.conv2d({ name, filters, kernelSize: k, padding: 'valid', useBias: false, kernelInitializer: tf.initializers.glorotNormal({ seed: seed++ }) }), x);
const bn = (name: string, x: Sym) => apply(tf.layers.batchNormalization({ name, epsilon: 1e-5, momentum: 0.9 }), x);
const relu = (name: string, x: Sym) => apply(tf.layers.activation({ name, activation: 'relu' }), x);
const pad = (name: string, x: Sym) => apply(tf.layers.zeroPadding2d({ name, padding: [[1, 2], [0, 1]] }), x);

/** Every fusable pair and every near miss, with two outputs (one of them a BatchNorm output). */
function graph(): tf.LayersModel {
  seed = 500; // the same initial weights every time the graph is built
  const input = tf.input({ shape: [11, 10, 3] });
  const a = relu('relu_a', bn('bn_a', conv('conv_a', pad('pad_a', input), 6, 3))); // pad->conv, bn->relu: fused
  const bShared = bn('bn_b', conv('conv_b', a, 6, 1)); // feeds a ReLU and an Add: not fused
  const b = apply(tf.layers.add({ name: 'add_b' }), [relu('relu_b', bShared), bShared]);
  const padShared = pad('pad_c', b); // feeds a conv and a max-pool: not fused
  const c = conv('conv_c', padShared, 5, 3);
  const pooled = apply(tf.layers.maxPooling2d({ name: 'pool_c', poolSize: 2, strides: 1 }), padShared);
  const out1 = bn('bn_out', c); // a model output: not fused with anything
  const head = apply(tf.layers.dense({ name: 'head', units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 7 }) }), apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), pooled));
  return tf.model({ inputs: input, outputs: [out1, head] });
}

describeNative('fused training executor', () => {
  beforeAll(async () => {
    await useNative();
  });

  it('fuses exactly the pairs whose producer output has that single consumer and is not a model output', () => {
    const fusions = plannedFusions(graph()).map((f) => `${f.kind} ${f.layers.join('->')}`);
    expect(fusions.sort()).toEqual(['bn-relu bn_a->relu_a', 'pad-conv pad_a->conv_a']);
  });

  it('trains the near-miss graph to the same outputs, gradients and moving statistics as stock tfjs on cpu', async () => {
    const run = (): tf.Tensor[] => {
      const model = graph();
      const x = randomTensor([3, 11, 10, 3], 1);
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      // A random projection of the outputs as the loss (a sum of squares of a BN output would have a gradient
      // that cancels to ~0 and measure only rounding noise).
      const r1 = randomTensor([3, 13, 8, 5], 2);
      const r2 = randomTensor([3, 2], 3);
      const { value, grads } = tf.variableGrads(() => {
        const [o1, o2] = model.apply(x, { training: true }) as tf.Tensor[];
        return tf.add(tf.sum(tf.mul(o1, r1)), tf.sum(tf.mul(o2, r2))) as tf.Scalar;
      }, vars);
      return [value, ...vars.map((v) => grads[v.name]), ...model.nonTrainableWeights.map((w) => w.read().clone())];
    };
    const r = await onBoth(run);
    r.cpu.forEach((ref, i) => expect(relMaxError(r.native[i], ref), `output ${i}`).toBeLessThan(1e-4));
  });
});
