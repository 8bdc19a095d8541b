/**
 * Float32 buffers recycled best-fit.
 *
 * Why: a training step allocates the same sequence of activation and gradient sizes every time. A fresh
 * Float32Array per kernel output is zero-filled memory the OS hands out page by page; the prototype measured
 * those page faults at about 75 % of the element-wise time. Reusing freed buffers removes them after the first
 * step.
 *
 * Best fit, not exact length: in the backward pass DenseNet's gradients shrink layer by layer, so a buffer freed
 * by a later (wider) layer serves the next request if it is at most MAX_SLACK times too large. Exact-length
 * buckets measured 1.6x the peak of live tensors in pooled memory (DenseNet121, 224 px); best fit stays close
 * to the peak. Capacities not asked for in a while (another model, a last partial batch) are dropped.
 *
 * The pool only stores and hands out arrays; which arrays may be recycled (never one a caller still holds) is
 * decided by NativeBackend, which also cuts the views of the requested length.
 */

/** A free buffer may serve a request up to this many times smaller than its capacity. */
export const MAX_SLACK = 2;

interface Bucket {
  free: Float32Array[];
  lastUse: number;
}

export interface BufferPoolStats {
  /** Buffers handed out by take(). */
  taken: number;
  /** Of those, how many were recycled rather than newly allocated. */
  reused: number;
  /** Bytes currently held for reuse. */
  pooledBytes: number;
}

export class BufferPool {
  /** Free buffers by capacity (elements), and those capacities in ascending order for the best-fit search. */
  private readonly buckets = new Map<number, Bucket>();
  private capacities: number[] = [];
  private tick = 0;
  private pooledBytes = 0;
  private taken = 0;
  private reused = 0;

  /**
   * @param idleTicks a capacity unused for this many take()/give() calls is dropped (a DenseNet121 step makes a
   *   few thousand, so this keeps what the last several steps used).
   * @param maxPooledBytes never hold more than this for reuse; beyond it freed buffers go to the GC.
   */
  constructor(
    private readonly idleTicks = 1 << 16,
    private readonly maxPooledBytes = 8 * 1024 ** 3,
  ) {}

  /** A buffer of at least `length` elements (the caller views the first `length`); contents undefined. */
  take(length: number): Float32Array {
    this.advance();
    this.taken++;
    const i = this.firstCapacityAtLeast(length);
    if (i < this.capacities.length && this.capacities[i] <= Math.max(length * MAX_SLACK, length + 1024)) {
      const capacity = this.capacities[i];
      const bucket = this.buckets.get(capacity) as Bucket;
      const buffer = bucket.free.pop() as Float32Array;
      bucket.lastUse = this.tick;
      if (bucket.free.length === 0) this.capacities.splice(i, 1);
      this.reused++;
      this.pooledBytes -= buffer.byteLength;
      return buffer;
    }
    return new Float32Array(length);
  }

  /** Returns a buffer for reuse. The caller guarantees nothing references it any more. */
  give(buffer: Float32Array): void {
    this.advance();
    if (this.pooledBytes + buffer.byteLength > this.maxPooledBytes) return;
    let bucket = this.buckets.get(buffer.length);
    if (bucket == null) {
      bucket = { free: [], lastUse: this.tick };
      this.buckets.set(buffer.length, bucket);
    }
    if (bucket.free.length === 0) this.capacities.splice(this.firstCapacityAtLeast(buffer.length), 0, buffer.length);
    bucket.free.push(buffer);
    bucket.lastUse = this.tick;
    this.pooledBytes += buffer.byteLength;
  }

  /** Drops every pooled buffer (the GC reclaims them). */
  clear(): void {
    this.buckets.clear();
    this.capacities = [];
    this.pooledBytes = 0;
  }

  stats(): BufferPoolStats {
    return { taken: this.taken, reused: this.reused, pooledBytes: this.pooledBytes };
  }

  /** Index of the first capacity >= length in the ascending list (its length when there is none). */
  private firstCapacityAtLeast(length: number): number {
    let lo = 0;
    let hi = this.capacities.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.capacities[mid] < length) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private advance(): void {
    this.tick++;
    if (this.tick % 4096 !== 0) return;
    for (const [capacity, bucket] of this.buckets) {
      if (this.tick - bucket.lastUse <= this.idleTicks) continue;
      for (const b of bucket.free) this.pooledBytes -= b.byteLength;
      this.buckets.delete(capacity);
    }
    this.capacities = this.capacities.filter((c) => this.buckets.has(c));
  }
}
