/**
 * Seeded randomness. tfjs' `tf.util.shuffle` and Math.random cannot be seeded, and every random choice in this
 * project (splits, subsampling, init, augmentation, batch order) must be repeatable from a seed.
 *
 * The generator is sfc32 (small fast counter, from PractRand): 128-bit state, passes BigCrush, and is trivial
 * to reproduce in any language, which matters when a result must be regenerated outside this code base.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Fisher-Yates shuffle, in place; returns the same array. */
  shuffle<T>(items: T[]): T[];
  /** A new independent generator derived from this one's stream. */
  fork(): Rng;
}

/** 32-bit FNV-1a over a string: used to turn names (run ids, item ids) into seeds. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Combine a base seed with any number of labels (epoch, item id, purpose) into one 32-bit seed, so that
 * e.g. the augmentation of item X in epoch 3 is the same whatever order items are visited in.
 */
export function deriveSeed(seed: number, ...parts: Array<string | number>): number {
  let h = hashString(String(seed >>> 0));
  for (const part of parts) {
    h = hashString(`${h}:${part}`);
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) {
    throw new TypeError(`createRng: seed must be a finite number, got ${seed}`);
  }
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const raw = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // Discard the first outputs: with a small seed the initial state is poorly mixed.
  for (let i = 0; i < 15; i++) raw();

  let spareNormal: number | undefined;
  const rng: Rng = {
    next: raw,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int: n must be a positive integer, got ${n}`);
      return Math.floor(raw() * n);
    },
    uniform(lo: number, hi: number): number {
      return lo + (hi - lo) * raw();
    },
    normal(): number {
      if (spareNormal !== undefined) {
        const v = spareNormal;
        spareNormal = undefined;
        return v;
      }
      let u = 0;
      while (u === 0) u = raw();
      const v = raw();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(raw() * (i + 1));
        const tmp = items[i]!;
        items[i] = items[j]!;
        items[j] = tmp;
      }
      return items;
    },
    fork(): Rng {
      return createRng(Math.floor(raw() * 4294967296));
    },
  };
  return rng;
}
