import { describe, expect, it } from 'vitest';
import { BufferPool, MAX_SLACK } from '../../../lib/kernels/native/buffer-pool';

describe('BufferPool (best fit)', () => {
  it('hands a freed buffer back for the same or a somewhat smaller request, the smallest that fits first', () => {
    const pool = new BufferPool();
    const big = pool.take(10_000);
    const medium = pool.take(6_000);
    pool.give(big);
    pool.give(medium);
    expect(pool.take(5_000)).toBe(medium);
    expect(pool.take(9_000)).toBe(big);
    expect(pool.stats()).toMatchObject({ taken: 4, reused: 2, pooledBytes: 0 });
  });

  it(`never serves a request more than ${MAX_SLACK}x smaller than the buffer, and allocates instead`, () => {
    const pool = new BufferPool();
    const big = pool.take(100_000);
    pool.give(big);
    const small = pool.take(100_000 / MAX_SLACK - 2_000);
    expect(small).not.toBe(big);
    expect(small.length).toBe(100_000 / MAX_SLACK - 2_000);
    expect(pool.stats().pooledBytes).toBe(big.byteLength);
  });

  it('drops capacities nobody asked for in a while, and caps what it holds', () => {
    const pool = new BufferPool(8_192, 1 << 20);
    pool.give(new Float32Array(100_000));
    for (let i = 0; i < 20_000; i++) pool.give(pool.take(50)); // other sizes keep the clock running
    expect(pool.stats().pooledBytes).toBe(50 * 4);
    pool.give(new Float32Array(300_000)); // 1.2 MB > the 1 MiB cap: not kept
    expect(pool.stats().pooledBytes).toBe(50 * 4);
  });
});
