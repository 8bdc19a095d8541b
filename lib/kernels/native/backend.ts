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
  /** The whole array the pool handed out (data buckets hold it or views of it). */
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

/** Bytes of kernel outputs the backend allocated that tensors still reference, now and at the peak. */
export interface NativeMemoryStats {
  liveBytes: number;
  peakLiveBytes: number;
  pooledBytes: number;
}

export class NativeBackend extends MathBackendCPU {
  readonly pool = new BufferPool();
  private readonly owned = new WeakMap<ArrayBufferLike, Ownership>();
  private liveBytes = 0;
  private peakLiveBytes = 0;

  constructor(readonly addon: NativeAddon) {
    super();
    // The cpu backend's one-time "install tfjs-node" advice does not apply to this backend.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A new float32 tensor's storage, from the pool: every element must be written by the caller. */
  output(shape: number[]): { info: TensorInfo; values: Float32Array } {
    let size = 1;
    for (const d of shape) size *= d;
    const values = this.allocate(size, 0);
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
    if (own == null || own.refs !== 1 || own.exposed) return null;
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
    const copy = this.allocate(old.length, 1);
    copy.set(old);
    this.release(old);
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

  /** Live and peak bytes of pooled kernel outputs; resetPeak() starts a new measurement window. */
  memoryStats(): NativeMemoryStats {
    return { liveBytes: this.liveBytes, peakLiveBytes: this.peakLiveBytes, pooledBytes: this.pool.stats().pooledBytes };
  }

  resetPeak(): void {
    this.peakLiveBytes = this.liveBytes;
  }

  /** `length` elements of a pooled buffer (a view when the pool hands out a larger one), owned from now on. */
  private allocate(length: number, refs: number): Float32Array {
    const array = this.pool.take(length);
    this.owned.set(array.buffer, { array, refs, exposed: false });
    this.liveBytes += array.byteLength;
    this.peakLiveBytes = Math.max(this.peakLiveBytes, this.liveBytes);
    return array.length === length ? array : array.subarray(0, length);
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
    this.liveBytes -= own.array.byteLength;
    if (!own.exposed) this.pool.give(own.array);
  }

  private expose(values: backend_util.BackendValues): void {
    if (!ArrayBuffer.isView(values)) return;
    const own = this.owned.get(values.buffer);
    if (own != null) own.exposed = true;
  }
}
