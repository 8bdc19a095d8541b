/**
 * Deterministic dropout. tfjs draws dropout masks with `Math.random` unless a layer has a fixed seed, and a
 * fixed seed replays the same mask on every call. So during each (synchronous) training forward/backward pass
 * `Math.random` is replaced by a generator seeded from (seed, epoch, step, micro-batch): masks differ per step,
 * repeat exactly across runs, and a resumed run draws the same masks the uninterrupted run would have.
 * The replacement is undone before the function returns; nothing asynchronous runs inside it.
 */
import { createRng, deriveSeed } from '../util/random';

export function withSeededMathRandom<T>(seed: number, parts: Array<string | number>, fn: () => T): T {
  const original = Math.random;
  const rng = createRng(deriveSeed(seed, 'math-random', ...parts));
  Math.random = rng.next;
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
