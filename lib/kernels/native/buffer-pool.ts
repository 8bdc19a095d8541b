/**
 * Float32 buffers recycled by exact length.
 *
 * Why: a training step allocates the same sequence of activation and gradient sizes every time. A fresh
 * Float32Array per kernel output is zero-filled memory the OS hands out page by page; the prototype measured
 * those page faults at about 75 % of the element-wise time. Reusing freed buffers of the same length removes
 * them after the first step. Lengths not asked for in a while (another model, a last partial batch) are
 * dropped so the pool never holds more than recent steps needed.
 *
 * The pool only stores and hands out arrays; which arrays may be recycled (never one a caller still holds)
 * is decided by NativeBackend.
 */

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
  private readonly buckets = new Map<number, Bucket>();
  private tick = 0;
  private pooledBytes = 0;
  private taken = 0;
  private reused = 0;

  /**
   * @param idleTicks a length unused for this many take()/give() calls is dropped (a DenseNet121 step makes
   *   a few thousand, so this keeps what the last several steps used).
   * @param maxPooledBytes never hold more than this for reuse; beyond it freed buffers go to the GC.
   */
  constructor(
    private readonly idleTicks = 1 << 16,
    private readonly maxPooledBytes = 8 * 1024 ** 3,
  ) {}

  take(length: number): Float32Array {
    this.advance();
    this.taken++;
    const bucket = this.buckets.get(length);
    if (bucket != null) {
      bucket.lastUse = this.tick;
      const reused = bucket.free.pop();
      if (reused != null) {
        this.reused++;
        this.pooledBytes -= reused.byteLength;
        return reused;
      }
    } else {
      this.buckets.set(length, { free: [], lastUse: this.tick });
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
    bucket.free.push(buffer);
    this.pooledBytes += buffer.byteLength;
  }

  /** Drops every pooled buffer (the GC reclaims them). */
  clear(): void {
    this.buckets.clear();
    this.pooledBytes = 0;
  }

  stats(): BufferPoolStats {
    return { taken: this.taken, reused: this.reused, pooledBytes: this.pooledBytes };
  }

  private advance(): void {
    this.tick++;
    if (this.tick % 4096 !== 0) return;
    for (const [length, bucket] of this.buckets) {
      if (this.tick - bucket.lastUse <= this.idleTicks) continue;
      for (const b of bucket.free) this.pooledBytes -= b.byteLength;
      this.buckets.delete(length);
    }
  }
}
