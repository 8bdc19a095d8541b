import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/backend';
import {
  installLowMemoryBackprop,
  isLowMemoryBackpropInstalled,
  uninstallLowMemoryBackprop,
} from '../../lib/backend/gradients/low-memory-backprop';
import { fusedBatchNormGradConfig } from '../../lib/backend/gradients/batchnorm-grad';
import { measurePeakBackendBytes } from '../../lib/backend/memory';
import {
  installBatchNormTraining,
  uninstallBatchNormTraining,
} from '../../lib/backend/gradients/batchnorm-training';
import { randomTensor, relMaxError } from './helpers';
import { bceLoss, tinyDenseNet } from './models';

function bnGrads(): Float32Array[] {
  return tf.tidy(() => {
    const x = randomTensor([2, 5, 3, 7], 1);
    const mean = tf.mean(x, [0, 1, 2]);
    const variance = tf.add(tf.moments(x, [0, 1, 2]).variance, 0.5);
    const scale = randomTensor([7], 2);
    const offset = randomTensor([7], 3);
    const dy = randomTensor([2, 5, 3, 7], 4);
    const f = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
      tf.batchNorm(a as tf.Tensor4D, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3);
    return tf.grads(f)([x, mean, variance, scale, offset], dy).map((g) => g.dataSync() as Float32Array);
  });
}

/** A deep chain whose stock backward pass holds every activation: ideal to see the memory difference. */
function deepChainGrads(): { grads: Float32Array; peakBytes: number } {
  const w = tf.variable(randomTensor([3, 3, 4, 4], 5));
  const x = randomTensor([2, 16, 16, 4], 6);
  let grads = new Float32Array(0);
  const peakBytes = measurePeakBackendBytes(() => {
    const { value, grads: g } = tf.variableGrads(() => {
      let h = x as tf.Tensor4D;
      for (let i = 0; i < 12; i++) h = tf.relu(tf.conv2d(h, w as tf.Tensor4D, 1, 'same'));
      return tf.mean(h) as tf.Scalar;
    }, [w]);
    grads = g[w.name].dataSync() as Float32Array;
    tf.dispose([value, ...Object.values(g)]);
  });
  tf.dispose([w, x]);
  return { grads, peakBytes };
}

describe('FusedBatchNorm gradient without Tile', () => {
  it('equals the stock tfjs-core gradient for x, mean, variance, scale and offset (cpu and wasm)', async () => {
    await tf.setBackend('cpu');
    const stock = bnGrads();
    tf.registerGradient(fusedBatchNormGradConfig);
    const ours = bnGrads();
    await initBackend({ backend: 'wasm' });
    const oursWasm = bnGrads();
    stock.forEach((s, i) => {
      expect(relMaxError(ours[i], s), `input ${i} cpu`).toBeLessThan(1e-5);
      expect(relMaxError(oursWasm[i], s), `input ${i} wasm`).toBeLessThan(1e-5);
    });
  });
});

describe('BatchNormalization layer training op', () => {
  /** One BN layer in training mode: output, input/gamma/beta gradients and the moving statistics. */
  function bnLayerStep(): Float32Array[] {
    const layer = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-3 });
    // Channel means far from 0 test the variance pass for cancellation.
    const x = tf.tidy(() => tf.add(randomTensor([3, 5, 7, 6], 11), tf.tensor1d([0, 5, -20, 100, 0.1, 3])));
    const dy = randomTensor([3, 5, 7, 6], 12);
    layer.build(x.shape);
    layer.setWeights([randomTensor([6], 13), randomTensor([6], 14), ...layer.getWeights().slice(2)]);
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    let y = new Float32Array(0);
    const { dx, dvars } = tf.tidy(() => {
      const g = tf.grads((a: tf.Tensor) => {
        const out = layer.apply(a, { training: true }) as tf.Tensor;
        y = out.dataSync() as Float32Array;
        return out;
      })([x], dy);
      const vg = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, dy)) as tf.Scalar, vars);
      return { dx: g[0].dataSync() as Float32Array, dvars: vars.map((v) => vg.grads[v.name].dataSync() as Float32Array) };
    });
    const stats = layer.getWeights().slice(2).map((w) => w.dataSync() as Float32Array);
    tf.dispose([x, dy]);
    return [y, dx, ...dvars, ...stats];
  }

  it('matches stock tfjs-layers: output, gradients, moving statistics (wasm one-pass kernels and tf-ops path)', async () => {
    await initBackend({ backend: 'wasm' }); // installs the patch (idempotent)
    await tf.setBackend('cpu');
    uninstallBatchNormTraining();
    const stock = bnLayerStep();
    installBatchNormTraining();
    const oursCpu = bnLayerStep(); // tf-ops fallback used off wasm
    await tf.setBackend('wasm');
    const oursWasm = bnLayerStep();
    stock.forEach((s, i) => {
      expect(relMaxError(oursCpu[i], s), `cpu output ${i}`).toBeLessThan(2e-5);
      expect(relMaxError(oursWasm[i], s), `wasm output ${i}`).toBeLessThan(2e-5);
    });
  });
});

describe('low-memory backprop', () => {
  it('gives bit-identical gradients with a lower peak than the stock Engine.gradients', async () => {
    await initBackend({ backend: 'wasm' });
    expect(isLowMemoryBackpropInstalled()).toBe(true);
    const patched = deepChainGrads();
    uninstallLowMemoryBackprop();
    const stock = deepChainGrads();
    installLowMemoryBackprop();
    expect(Array.from(patched.grads)).toEqual(Array.from(stock.grads));
    // 24 activations of 8 KiB: stock holds all of them plus every gradient until the end of the walk.
    expect(patched.peakBytes).toBeLessThan(0.75 * stock.peakBytes);
  });

  it('keeps tf.memory().numTensors identical after every step of a 20-step training loop', async () => {
    await initBackend({ backend: 'wasm' });
    const model = tinyDenseNet(19, 2);
    const optimizer = tf.train.adam(1e-3);
    const x = randomTensor([2, 19, 19, 3], 7);
    const y = tf.tensor([[1, 0], [0, 1]]);
    const counts: number[] = [];
    for (let step = 0; step < 20; step++) {
      const loss = optimizer.minimize(() => bceLoss(model, x, y), true);
      loss?.dispose();
      counts.push(tf.memory().numTensors);
    }
    // Step 1 creates Adam's slot variables; from then on the count must not move.
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it('leaves higher-order gradients to the stock code path', async () => {
    await initBackend({ backend: 'wasm' });
    const x = tf.scalar(3);
    const d2 = tf.grad(tf.grad((a: tf.Tensor) => tf.pow(a, tf.scalar(3))))(x);
    expect(d2.dataSync()[0]).toBeCloseTo(18, 4);
  });
});
