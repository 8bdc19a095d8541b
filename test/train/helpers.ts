/**
 * Tiny, fast training fixtures: separable synthetic images, an in-memory batch source and a 2-layer conv net.
 * Kept independent of lib/data and lib/models so the training loop is tested on its own.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchSource } from '../../lib/data/types';
import { createRng } from '../../lib/util/random';

export interface TinyData {
  ids: string[];
  x: Float32Array; // n*16*16*1
  y: Float32Array; // n*L
  mask?: Float32Array;
  n: number;
  numLabels: number;
}

export const SIZE = 16;

/**
 * Label j is positive when a bright square sits in quadrant j (j < 4). Noise keeps the task from being trivial.
 */
export function makeTinyData(n: number, numLabels: number, seed: number): TinyData {
  const rng = createRng(seed);
  const x = new Float32Array(n * SIZE * SIZE);
  const y = new Float32Array(n * numLabels);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < SIZE * SIZE; p++) x[i * SIZE * SIZE + p] = rng.normal() * 0.3;
    for (let j = 0; j < numLabels; j++) {
      const positive = rng.next() < 0.5 ? 1 : 0;
      y[i * numLabels + j] = positive;
      if (!positive) continue;
      const oy = j < 2 ? 2 : 10;
      const ox = j % 2 === 0 ? 2 : 10;
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) x[i * SIZE * SIZE + (oy + r) * SIZE + ox + c] += 1.5;
    }
  }
  return { ids: Array.from({ length: n }, (_, i) => `item-${i}`), x, y, n, numLabels };
}

export function memorySource(data: TinyData, batchSize: number, shuffle: boolean, seed: number): BatchSource {
  const pixels = SIZE * SIZE;
  return {
    numItems: data.n,
    numLabels: data.numLabels,
    async *batches(epoch: number): AsyncIterable<Batch> {
      const order = Array.from({ length: data.n }, (_, i) => i);
      if (shuffle) createRng(seed * 1000 + epoch).shuffle(order);
      for (let start = 0; start < data.n; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const x = new Float32Array(idx.length * pixels);
        const y = new Float32Array(idx.length * data.numLabels);
        const mask = data.mask ? new Float32Array(idx.length * data.numLabels) : undefined;
        idx.forEach((item, k) => {
          x.set(data.x.subarray(item * pixels, (item + 1) * pixels), k * pixels);
          y.set(data.y.subarray(item * data.numLabels, (item + 1) * data.numLabels), k * data.numLabels);
          mask?.set(data.mask!.subarray(item * data.numLabels, (item + 1) * data.numLabels), k * data.numLabels);
        });
        yield {
          ids: idx.map((i) => data.ids[i]!),
          size: idx.length,
          height: SIZE,
          width: SIZE,
          channels: 1,
          x,
          y,
          ...(mask ? { mask } : {}),
        };
      }
    },
  };
}

/**
 * conv(4, 3x3) -> [BN] -> ReLU -> conv(8, 3x3, stride 2) -> ReLU -> flatten -> [dropout 0.2] -> dense(L) logits.
 * The dropout is unseeded, as in the CBR models, so it exercises the loop's own dropout seeding.
 */
export function tinyModel(numLabels: number, seed: number, withBatchNorm = true, withDropout = true): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 1] });
  let h = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed }) })
    .apply(input) as tf.SymbolicTensor;
  if (withBatchNorm) h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
  h = tf.layers.activation({ activation: 'relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) })
    .apply(h) as tf.SymbolicTensor;
  // Flatten, not global pooling: the labels depend on where the square is.
  h = tf.layers.flatten().apply(h) as tf.SymbolicTensor;
  if (withDropout) h = tf.layers.dropout({ rate: 0.2 }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: numLabels, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) })
    .apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}
