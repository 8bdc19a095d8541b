import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../lib/backend/index';
import type { Batch, BatchSource } from '../../lib/data/types';
import { BackendError } from '../../lib/errors';
import { train } from '../../lib/train/index';

/** One batch of `size` blank images; the guard must fire before any of them reaches the network. */
function blankSource(size: number, side: number): BatchSource {
  return {
    numItems: size,
    numLabels: 1,
    async *batches(): AsyncIterable<Batch> {
      yield {
        ids: Array.from({ length: size }, (_, i) => `b${i}`),
        size,
        height: side,
        width: side,
        channels: 3,
        x: new Float32Array(size * side * side * 3),
        y: new Float32Array(size),
      };
    },
  };
}

function wideModel(side: number): tf.LayersModel {
  const input = tf.input({ shape: [side, side, 3] });
  let x = tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', name: 'wide1' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', name: 'wide2' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 1 }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'wide' });
}

describe('train on wasm: the 4 GiB heap guard', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it('fails with a BackendError naming the model and a micro-batch that fits, instead of a wasm abort', async () => {
    // 1024 px x 64 channels x 2 convs: ~0.5 GiB of activations per image, so 16 images cannot fit in 4 GiB.
    const model = wideModel(1024);
    const source = blankSource(16, 1024);
    const run = train({ model, train: source, val: source, labelNames: ['y'], epochs: 1, seed: 1 });
    await expect(run).rejects.toBeInstanceOf(BackendError);
    await expect(
      train({ model, train: source, val: source, labelNames: ['y'], epochs: 1, seed: 1 }),
    ).rejects.toThrow(/wide at input \[1024,1024,3\].*use micro-batch \d+.*microBatchSize/);
    model.dispose();
  });

  it('lets a micro-batch that fits through the guard', async () => {
    const model = wideModel(16);
    const source = blankSource(4, 16);
    const result = await train({ model, train: source, val: source, labelNames: ['y'], epochs: 1, seed: 1, plateau: null });
    expect(result.history).toHaveLength(1);
    model.dispose();
  });
});
