/**
 * Every native kernel against tfjs's cpu backend on seeded random inputs: max|native - cpu| / max|cpu| < 1e-5.
 * Convolutions cover kernels 1/3/5/7, strides 1/2/3, 'same' / 'valid' / explicit and asymmetric padding, odd
 * sizes, channel counts that are not multiples of 8 or 16, batch 1 and > 1; forward, fused bias + ReLU, dX, dW.
 */
import { beforeAll, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { CONV_CASES, convInputs, convLabel, type ConvCase } from '../../backend/conv-cases';
import { randomTensor, relMaxError } from '../../backend/helpers';
import { describeNative, onBoth, useNative } from './helpers';

const TOLERANCE = 1e-5;

function expectAgree(result: { native: Float32Array[]; cpu: Float32Array[] }, what: string): void {
  expect(result.native.length).toBe(result.cpu.length);
  result.cpu.forEach((ref, i) => {
    expect(result.native[i].length, `${what} output ${i} length`).toBe(ref.length);
    expect(relMaxError(result.native[i], ref), `${what} output ${i}`).toBeLessThan(TOLERANCE);
  });
}

/** The wasm tests' cases plus channel counts that are not multiples of 8 or 16, asymmetric padding, stride 3. */
const CASES: ConvCase[] = [
  ...CONV_CASES,
  { x: [3, 9, 8, 6], k: 1, co: 17, s: 2, pad: 'valid' },
  { x: [1, 7, 7, 7], k: 1, co: 5, s: 2, pad: 'same' },
  { x: [1, 9, 7, 19], k: 3, co: 33, s: 2, pad: 'same' },
  { x: [2, 10, 9, 3], k: 3, co: 9, s: 2, pad: [[0, 0], [0, 2], [2, 1], [0, 0]] },
  { x: [1, 13, 13, 3], k: 7, co: 5, s: 2, pad: [[0, 0], [3, 3], [3, 3], [0, 0]] },
  { x: [2, 11, 10, 4], k: 5, co: 3, s: 3, pad: 'valid' },
];

describeNative('native kernels vs the cpu backend', () => {
  beforeAll(async () => {
    await useNative();
  });

  it.each(CASES.map((c, i) => [convLabel(c), c, i] as const))('conv2d forward, dX and dW: %s', async (_name, c, i) => {
    const r = await onBoth(() => {
      const { x, w, conv } = convInputs(c, 100 * i);
      const y = conv(x, w);
      const dy = randomTensor(y.shape, 100 * i + 2);
      return [y, ...tf.grads(conv)([x, w], dy)];
    });
    expectAgree(r, convLabel(c));
  });

  it.each(CASES.slice(0, 8).map((c, i) => [convLabel(c), c, i] as const))('fused conv2d + bias + relu: %s', async (_name, c, i) => {
    const r = await onBoth(() => {
      const { x, w } = convInputs(c, 7 * i);
      const bias = randomTensor([c.co], 7 * i + 2);
      const args = { x, filter: w, strides: c.s, pad: c.pad as 'same', bias };
      return [tf.fused.conv2d({ ...args, activation: 'relu' }), tf.fused.conv2d({ ...args, activation: 'linear' })];
    });
    expectAgree(r, convLabel(c));
  });

  it.each(CASES.slice(4, 12).map((c, i) => [convLabel(c), c, i] as const))('conv2d + bias while a tape records (dx, dW, db): %s', async (_name, c, i) => {
    const r = await onBoth(() => {
      const { x, w } = convInputs(c, 11 * i);
      const bias = randomTensor([c.co], 11 * i + 2);
      const f = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
        tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, bias: d, strides: c.s, pad: c.pad as 'same' });
      const dy = randomTensor(f(x, w, bias).shape, 11 * i + 3);
      // Only the weights trainable, as in a first layer: dx is never asked for.
      const [wv, bv] = [tf.variable(w), tf.variable(bias)];
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x, wv, bv), dy)) as tf.Scalar, [wv, bv]);
      const out = [value, ...tf.grads(f)([x, w, bias], dy), grads[wv.name], grads[bv.name]];
      tf.dispose([wv, bv]);
      return out;
    });
    expectAgree(r, convLabel(c));
  });

  it('dilated conv2d forward (tfjs has no gradient for dilation > 1)', async () => {
    const r = await onBoth(() => {
      const x = randomTensor([2, 11, 10, 3], 20) as tf.Tensor4D;
      const w = randomTensor([3, 3, 3, 5], 21) as tf.Tensor4D;
      return [tf.conv2d(x, w, 1, 'same', 'NHWC', 2), tf.conv2d(x, w, 1, 'valid', 'NHWC', [2, 3])];
    });
    expectAgree(r, 'dilated conv');
  });

  it.each([
    { x: [2, 9, 9, 5], size: 3, stride: 2, pad: 'valid' as const },
    { x: [1, 10, 11, 17], size: 3, stride: 2, pad: 'same' as const },
    { x: [3, 8, 8, 6], size: 2, stride: 2, pad: 'valid' as const },
    { x: [2, 7, 9, 3], size: 3, stride: 1, pad: 'same' as const },
    { x: [2, 12, 12, 4], size: 3, stride: 3, pad: 'valid' as const },
  ])('max / avg pooling and their gradients: $x size $size stride $stride $pad', async (c) => {
    const r = await onBoth(() => {
      const x = randomTensor(c.x, 31) as tf.Tensor4D;
      const max = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad);
      const avg = (a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, c.size, c.stride, c.pad);
      const dy = randomTensor(max(x).shape, 32);
      return [max(x), avg(x), tf.grad(max)(x, dy), tf.grad(avg)(x, dy)];
    });
    expectAgree(r, 'pooling');
  });

  it('max-pool gradient goes to the first maximum of a window with ties (ReLU zeros), as on cpu', async () => {
    const r = await onBoth(() => {
      const x = tf.relu(randomTensor([2, 9, 9, 5], 33)) as tf.Tensor4D;
      const max = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 3, 2, 'valid');
      return tf.grad(max)(x, randomTensor(max(x).shape, 34));
    });
    expectAgree(r, 'max-pool ties');
  });

  it('BatchMatMul and fused matmul with transposes, batch broadcast, bias and relu', async () => {
    const r = await onBoth(() => {
      const a = randomTensor([3, 5, 7], 40);
      const b = randomTensor([3, 7, 4], 41);
      const bT = randomTensor([3, 4, 7], 42);
      const aT = randomTensor([3, 7, 5], 43);
      const shared = randomTensor([7, 4], 44);
      const bias = randomTensor([4], 45);
      const x2 = randomTensor([6, 33], 46);
      const w2 = randomTensor([33, 5], 47);
      return [
        tf.matMul(a, b),
        tf.matMul(a, bT, false, true),
        tf.matMul(aT, b, true, false),
        tf.matMul(aT, bT, true, true),
        tf.matMul(a, shared),
        tf.fused.matMul({ a: x2, b: w2, bias: randomTensor([5], 48), activation: 'relu' }),
        tf.fused.matMul({ a, b: shared, bias, activation: 'linear' }),
      ];
    });
    expectAgree(r, 'matmul');
  });

  it('unary functions and the ReLU gradient', async () => {
    const r = await onBoth(() => {
      const x = randomTensor([4, 13, 11, 7], 50);
      const pos = tf.add(tf.abs(x), 0.1);
      return [
        tf.relu(x), tf.neg(x), tf.exp(x), tf.log(pos), tf.sqrt(pos), tf.square(x), tf.abs(x), tf.sigmoid(x),
        tf.tanh(x), tf.relu6(tf.mul(x, 4)), tf.leakyRelu(x, 0.2), tf.elu(x),
        tf.grad((a: tf.Tensor) => tf.relu(a))(x, randomTensor(x.shape, 51)),
      ];
    });
    expectAgree(r, 'unary');
  });

  it('binary ops with every broadcast pattern, including a broadcast first operand', async () => {
    const r = await onBoth(() => {
      const full = randomTensor([3, 9, 7, 11], 60);
      const other = randomTensor([3, 9, 7, 11], 61);
      const channel = randomTensor([11], 62);
      const perImage = randomTensor([3, 1, 1, 11], 63);
      const column = randomTensor([3, 9, 1, 1], 64);
      const scalar = tf.scalar(1.7);
      const outs: tf.Tensor[] = [];
      for (const f of [tf.add, tf.sub, tf.mul, tf.div, tf.maximum, tf.minimum]) {
        outs.push(f(full, other), f(full, channel), f(channel, full), f(perImage, full), f(full, column), f(scalar, full));
        outs.push(f(column, perImage)); // both operands broadcast
      }
      return outs;
    });
    expectAgree(r, 'binary');
  });

  it('sum, mean, max, min over adjacent axes (global pooling, bias gradients, totals), keepDims', async () => {
    const r = await onBoth(() => {
      const x = randomTensor([3, 9, 7, 11], 70);
      return [
        tf.sum(x, [0, 1, 2]), tf.mean(x, [1, 2]), tf.mean(x, [1, 2], true), tf.max(x, [3]), tf.min(x, 1),
        tf.sum(x), tf.mean(x, -1), tf.max(x, [0, 1]), tf.sum(x, [0, 2]), // last: not adjacent, cpu path
      ];
    });
    expectAgree(r, 'reduce');
  });

  it('concat / split along each axis, pad, slice, transpose, fills', async () => {
    const r = await onBoth(() => {
      const a = randomTensor([2, 9, 7, 13], 80);
      const b = randomTensor([2, 9, 7, 5], 81);
      const c = randomTensor([2, 9, 3, 13], 82);
      return [
        tf.concat([a, b], 3), tf.concat([a, b, a], -1), tf.concat([a, c], 2), tf.concat([a, a], 0),
        ...tf.split(a, [4, 6, 3], 3), ...tf.split(a, 3, 1),
        tf.pad(a, [[0, 0], [1, 2], [3, 0], [0, 0]]), tf.pad(a, [[1, 0], [0, 0], [0, 0], [2, 1]], 0.5),
        tf.slice(a, [0, 1, 2, 3], [2, 7, 4, 9]), tf.slice(a, [1, 0, 0, 0], [1, 9, 7, 13]),
        tf.transpose(a, [0, 3, 1, 2]), tf.transpose(a, [3, 2, 1, 0]),
        tf.fill([40, 40], 2.5), tf.zerosLike(a), tf.onesLike(a),
      ];
    });
    expectAgree(r, 'shape ops');
  });

  it('tf.batchNorm (inference) with and without scale and offset, rank 2 and 4', async () => {
    const r = await onBoth(() => {
      const x = randomTensor([3, 9, 7, 11], 90);
      const mean = randomTensor([11], 91);
      const variance = tf.add(tf.abs(randomTensor([11], 92)), 0.1);
      const scale = randomTensor([11], 93);
      const offset = randomTensor([11], 94);
      const x2 = randomTensor([130, 11], 95);
      return [
        tf.batchNorm(x, mean, variance, offset, scale, 1e-5),
        tf.batchNorm(x, mean, variance, undefined, undefined, 1e-3),
        tf.batchNorm(x2, mean, variance, offset, scale, 1e-5),
      ];
    });
    expectAgree(r, 'batchNorm');
  });

  it('falls back to the cpu kernel for inputs it does not take (int32, tiny tensors)', async () => {
    const r = await onBoth(() => {
      const i = tf.tensor([[1, 2], [3, 4]], undefined, 'int32');
      return [tf.cast(tf.add(i, i), 'float32'), tf.cast(tf.sum(i), 'float32'), tf.relu(tf.tensor([-1, 2]))];
    });
    expectAgree(r, 'fallbacks');
  });
});
