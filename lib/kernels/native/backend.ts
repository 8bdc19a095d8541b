/**
 * The `native` tfjs backend: tfjs's cpu backend (same data storage, every cpu kernel still available) whose hot
 * kernels run in the oneDNN addon on the tensors' own Float32Arrays, plus recycling of kernel output buffers.
 *
 * Buffer reuse without the hazard. A pooled buffer may only be recycled when nothing outside the backend can
 * still see it. So the backend tracks, per ArrayBuffer it allocated:
 *  - how many data buckets reference it (cpu kernels may store a view of an input, e.g. a contiguous Slice);
 *  - whether it was ever handed out (readSync / read / bufferSync: dataSync(), data(), array() all go through
 *    readSync). An exposed buffer is never recycled and never written in place; the GC frees it once the
 *    caller lets go.
 * Arrays that come from outside (tf.tensor(values) stores the caller's array) are never owned, so never reused
 * or written.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DataId, DataType, TensorInfo, backend_util } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon';
import { BufferPool } from './buffer-pool';

interface Ownership {
  /** The full-buffer array the pool handed out (data buckets may hold views of it). */
  array: Float32Array;
  /** Data buckets referencing the buffer. */
  refs: number;
  /** Handed to a caller: never recycle, never write in place. */
  exposed: boolean;
}

interface DataEntry {
  values?: backend_util.BackendValues;
  refCount: number;
}

export class NativeBackend extends MathBackendCPU {
  readonly pool = new BufferPool();
  private readonly owned = new WeakMap<ArrayBufferLike, Ownership>();

  constructor(readonly addon: NativeAddon) {
    super();
    // The cpu backend's one-time "install tfjs-node" advice does not apply to this backend.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A new float32 tensor's storage, from the pool: every element must be written by the caller. */
  output(shape: number[]): { info: TensorInfo; values: Float32Array } {
    let size = 1;
    for (const d of shape) size *= d;
    const values = this.pool.take(size);
    this.owned.set(values.buffer, { array: values, refs: 0, exposed: false });
    const dataId = this.write(values, shape, 'float32');
    return { info: { dataId, shape, dtype: 'float32' }, values };
  }

  /** The Float32Array of a float32 tensor (not a copy): kernels read it and must never write it. */
  f32(t: TensorInfo): Float32Array {
    return this.data.get(t.dataId).values as Float32Array;
  }

  /**
   * The storage of `t` if a kernel may overwrite it in place: owned by the pool, referenced by this one data
   * bucket only, never exposed, and the bucket shared by no other tensor. Otherwise null.
   */
  writableValues(t: TensorInfo): Float32Array | null {
    const entry = this.data.get(t.dataId) as DataEntry;
    if (entry.refCount !== 1 || !(entry.values instanceof Float32Array)) return null;
    const own = this.owned.get(entry.values.buffer);
    if (own == null || own.refs !== 1 || own.exposed || own.array !== entry.values) return null;
    return entry.values;
  }

  /**
   * Gives `t`'s bucket a private pooled copy of its values and returns it, so it can be written in place.
   * Only valid when the bucket has one reference (t's); the old array is left to whoever still holds it.
   */
  privatize(t: TensorInfo): Float32Array {
    const entry = this.data.get(t.dataId) as DataEntry;
    if (entry.refCount !== 1) throw new Error('NativeBackend.privatize: the data is shared by several tensors');
    const old = entry.values as Float32Array;
    const copy = this.pool.take(old.length);
    copy.set(old);
    this.release(old);
    this.owned.set(copy.buffer, { array: copy, refs: 1, exposed: false });
    entry.values = copy;
    return copy;
  }

  override write(values: backend_util.BackendValues, shape: number[], dtype: DataType): DataId {
    const dataId = super.write(values, shape, dtype);
    this.retain(values);
    return dataId;
  }

  override move(dataId: DataId, values: backend_util.BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.retain(values);
  }

  override readSync(dataId: DataId): backend_util.BackendValues {
    const values = super.readSync(dataId);
    this.expose(values);
    return values;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const entry = this.data.has(dataId) ? (this.data.get(dataId) as DataEntry) : null;
    const released = super.disposeData(dataId, force);
    if (entry != null && !this.data.has(dataId) && entry.values != null) this.release(entry.values);
    return released;
  }

  private retain(values: backend_util.BackendValues | undefined): void {
    if (values == null || !ArrayBuffer.isView(values)) return;
    const own = this.owned.get(values.buffer);
    if (own != null) own.refs++;
  }

  private release(values: backend_util.BackendValues): void {
    if (!ArrayBuffer.isView(values)) return;
    const own = this.owned.get(values.buffer);
    if (own == null) return;
    own.refs--;
    if (own.refs > 0) return;
    this.owned.delete(values.buffer);
    if (!own.exposed) this.pool.give(own.array);
  }

  private expose(values: backend_util.BackendValues): void {
    if (!ArrayBuffer.isView(values)) return;
    const own = this.owned.get(values.buffer);
    if (own != null) own.exposed = true;
  }
}
