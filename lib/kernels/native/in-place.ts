/**
 * Updating variables in place on the native backend (the fused Adam, BatchNorm moving statistics), instead of
 * computing a new tensor per op and assigning it. In place is safe only on storage nobody else can see
 * (NativeBackend.writableValues); anything else first gets a private copy (a variable whose array a caller holds
 * from dataSync()) or a fresh bucket (a variable whose data another tensor shares).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NativeBackend } from './backend';
import { BACKEND_NAME } from './kernels/common';

/** The native backend when it is active, else null. */
export function activeNativeBackend(): NativeBackend | null {
  return tf.getBackend() === BACKEND_NAME ? (tf.backend() as unknown as NativeBackend) : null;
}

/** Storage of `v` that may be written in place, making it so if needed. */
export function writableStorage(be: NativeBackend, v: tf.Variable): Float32Array {
  const direct = be.writableValues(v);
  if (direct != null) return direct;
  if (be.refCount(v.dataId) === 1) return be.privatize(v);
  const fresh = be.output(v.shape);
  fresh.values.set(be.f32(v));
  const t = tf.engine().makeTensorFromTensorInfo(fresh.info);
  v.assign(t);
  t.dispose();
  return fresh.values;
}

/**
 * moving = moving - (moving - batch) * (1 - momentum), in place, rounded to float32 after every operation
 * exactly as the tfjs ops tfjs-layers uses (so both give the same bits). False (nothing done) off native or
 * for a non-float32 variable: the caller then runs the tfjs ops.
 */
export function movingAverageInPlace(moving: tf.Variable, batch: tf.Tensor, momentum: number): boolean {
  const be = activeNativeBackend();
  if (be == null || moving.dtype !== 'float32' || batch.dtype !== 'float32' || moving.size !== batch.size) return false;
  const target = writableStorage(be, moving);
  const value = be.f32(batch);
  const rate = Math.fround(1 - momentum);
  for (let i = 0; i < target.length; i++) {
    target[i] = Math.fround(target[i] - Math.fround(Math.fround(target[i] - value[i]) * rate));
  }
  return true;
}
