import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import { conv2DBackpropFilterWasm } from '../../lib/kernels/wasm/conv2d-backprop-filter';
import { conv2DBackpropInputWasm } from '../../lib/kernels/wasm/conv2d-backprop-input';
import { CONV_CASES, convInputs, convLabel, type ConvCase } from './conv-cases';
import { randomValues, relMaxError } from './helpers';

const TOLERANCE = 1e-5;

async function grads(c: ConvCase, backend: string, seed: number): Promise<{ dx: Float32Array; dw: Float32Array }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const { x, w, conv } = convInputs(c, seed);
    const yShape = conv(x, w).shape;
    const dy = tf.tensor4d(randomValues(yShape.reduce((a, b) => a * b), seed + 2), yShape);
    const [gx, gw] = tf.grads(conv)([x, w], dy);
    return { dx: gx.dataSync() as Float32Array, dw: gw.dataSync() as Float32Array };
  });
}

describe('wasm conv backprop kernels vs the cpu backend', () => {
  beforeAll(async () => {
    const info = await initBackend({ backend: 'wasm' });
    expect(info.trainingKernels).toBe(true);
  });

  it('registers Conv2DBackpropFilter and replaces the stock Conv2DBackpropInput', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(conv2DBackpropFilterWasm);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(conv2DBackpropInputWasm);
  });

  it.each(CONV_CASES.map((c, i) => [convLabel(c), c, i] as const))('%s', async (_name, c, i) => {
    const ref = await grads(c, 'cpu', 100 * i);
    const got = await grads(c, 'wasm', 100 * i);
    expect(relMaxError(got.dx, ref.dx)).toBeLessThan(TOLERANCE);
    expect(relMaxError(got.dw, ref.dw)).toBeLessThan(TOLERANCE);
  });

  it('frees every intermediate: backend buffers and engine tensors unchanged after the kernels run', async () => {
    await tf.setBackend('wasm');
    const c = CONV_CASES[4];
    await grads(c, 'wasm', 7); // warm up
    const buffersBefore = tf.engine().backend.numDataIds();
    const before = tf.memory();
    await grads(c, 'wasm', 8);
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });
});
