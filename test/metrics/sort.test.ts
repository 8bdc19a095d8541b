import { describe, expect, it } from 'vitest';
import { sortFloat64 } from '../../lib/metrics/sort';
import { createRng } from '../../lib/util/random';

function expectSortedLikeNative(values: Float64Array): void {
  const expected = values.slice().sort();
  const input = values.slice();
  const scratch = new Float64Array(values.length);
  const out = sortFloat64(input, scratch);
  expect(out === input || out.buffer === scratch.buffer).toBe(true);
  expect(out.length).toBe(values.length);
  for (let i = 0; i < values.length; i++) {
    if (!Object.is(out[i], expected[i])) throw new Error(`index ${i}: got ${out[i]}, expected ${expected[i]}`);
  }
}

describe('sortFloat64 (radix sort over IEEE-754 keys)', () => {
  const rng = createRng(11);
  const special = [0, -0, 5e-324, -5e-324, 2.2250738585072014e-308, -1.7976931348623157e308, 1.7976931348623157e308, 1, -1];

  it('orders mixed signs, zeros of both signs, subnormals and extremes like Float64Array#sort', () => {
    const values = new Float64Array(5000);
    for (let i = 0; i < values.length; i++) {
      values[i] = i % 10 === 0 ? special[rng.int(special.length)]! : (rng.next() - 0.5) * 10 ** rng.int(20);
    }
    expectSortedLikeNative(values);
  });

  it('handles heavy duplication and float32-valued scores (digit passes skipped)', () => {
    const tied = new Float64Array(4000);
    for (let i = 0; i < tied.length; i++) tied[i] = rng.int(5) / 4;
    expectSortedLikeNative(tied);
    const f32 = new Float64Array(Float32Array.from({ length: 3000 }, () => rng.next()));
    expectSortedLikeNative(f32);
    expectSortedLikeNative(new Float64Array(1000).fill(0.25));
  });

  it('uses the comparison sort below the radix threshold', () => {
    const small = Float64Array.from({ length: 100 }, () => rng.normal());
    expectSortedLikeNative(small);
    expectSortedLikeNative(new Float64Array(0));
  });
});
