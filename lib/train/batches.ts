/**
 * Helpers between plain `Batch` arrays and tensors: micro-batch slicing (gradient accumulation, bounded memory
 * at evaluation) and input tensor creation.
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../data/types';

/** Views (no copies) of consecutive slices of at most `size` images of a batch. */
export function microBatches(batch: Batch, size: number): Batch[] {
  if (size >= batch.size) return [batch];
  const pixels = batch.height * batch.width * batch.channels;
  const labels = batch.size === 0 ? 0 : batch.y.length / batch.size;
  const out: Batch[] = [];
  for (let start = 0; start < batch.size; start += size) {
    const end = Math.min(batch.size, start + size);
    out.push({
      ids: batch.ids.slice(start, end),
      size: end - start,
      height: batch.height,
      width: batch.width,
      channels: batch.channels,
      x: batch.x.subarray(start * pixels, end * pixels),
      y: batch.y.subarray(start * labels, end * labels),
      ...(batch.mask ? { mask: batch.mask.subarray(start * labels, end * labels) } : {}),
    });
  }
  return out;
}

export function inputTensor(batch: Batch): tf.Tensor4D {
  return tf.tensor4d(batch.x, [batch.size, batch.height, batch.width, batch.channels], 'float32');
}

export function labelTensor(values: Float32Array, size: number): tf.Tensor2D {
  return tf.tensor2d(values, [size, values.length / size], 'float32');
}
