/**
 * WebAssembly kernels for the 8-bit gray fast path, sharing one memory:
 * - `unfilter`: png-gray8.ts's PNG row unfiltering (scalar code; `select` makes the branch-free Paeth predictor
 *   a few conditional moves, and there are no bounds checks), byte for byte the same as its typed-array loops;
 * - `hpass` / `vpass`: SIMD versions of the two passes of resize.ts's three-tap bilinear resampling (Pillow's
 *   ImagingResampleHorizontal_8bpc / Vertical_8bpc with at most three taps per output sample: every upscale,
 *   and downscales by up to 1.5x such as 256 -> 224). The arithmetic is Pillow's, lane by lane: 32-bit
 *   products of 8-bit samples and 22-bit weights, summed with the rounding half, shifted right by 22, then
 *   narrowed with unsigned saturation, which is Pillow's clip8. So the output is bit-identical to the typed-array
 *   loops in resize.ts (the tests compare both with a plain transliteration of Pillow on many sizes).
 *
 * The module is assembled here, at first use, from the instruction listings below (no build step, no binary in
 * the repository): a few lines of WebAssembly binary encoding. Where WebAssembly (SIMD) is missing, or with
 * RETHINK_WASM_SIMD=0 (the switch lib/backend's wasm module honours too), `gray8Kernels()` returns undefined
 * and the callers keep to their typed-array loops.
 */
import { wasmApi, type WasmMemory } from '../../util/wasm-api';

// --- A minimal WebAssembly binary writer: just what the kernels use. ---

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...s].map((ch) => [ch.charCodeAt(0)]));

const I32 = 0x7f;
const V128 = 0x7b;

type Code = number[];
const get = (local: number): Code => [0x20, ...uleb(local)];
const set = (local: number): Code => [0x21, ...uleb(local)];
const i32 = (n: number): Code => [0x41, ...sleb(n)];
const add = [0x6a];
const mul = [0x6c];
const sub = [0x6b];
const and = [0x71];
const or = [0x72];
const shrU = [0x76];
const eq = [0x46];
const ltU = [0x49];
const gtU = [0x4b];
const leS = [0x4c];
const select = [0x1b];
const load8 = (addr: Code): Code => [...addr, 0x2d, 0, 0];
const store8 = (addr: Code, value: Code): Code => [...addr, ...value, 0x3a, 0, 0];
const call = (fn: number): Code => [0x10, ...uleb(fn)];
const ifThen = (cond: Code, then: Code, otherwise?: Code): Code => [...cond, 0x04, 0x40, ...then, ...(otherwise ? [0x05, ...otherwise] : []), 0x0b];
const inc = (local: number, by = 1): Code => [...get(local), ...i32(by), ...add, ...set(local)];
const i32Load = (offset: number): Code => [0x28, 2, ...uleb(offset)];
const simd = (op: number): Code => [0xfd, ...uleb(op)];
const v128Load = (offset = 0): Code => [...simd(0x00), 0, ...uleb(offset)];
const v128Store = [...simd(0x0b), 0, 0];
const store64Lane0 = [...simd(0x5b), 0, 0, 0];
const swizzle = simd(0x0e);
const i32x4Splat = simd(0x11);
const narrowU8 = simd(0x66); // i8x16.narrow_i16x8_u: saturates to 0..255
const narrowS16 = simd(0x85); // i16x8.narrow_i32x4_s
const extLow8 = simd(0x89); // i16x8.extend_low_i8x16_u
const extHigh8 = simd(0x8a); // i16x8.extend_high_i8x16_u
const extLow16 = simd(0xa9); // i32x4.extend_low_i16x8_u
const extHigh16 = simd(0xaa); // i32x4.extend_high_i16x8_u
const shrS = simd(0xac); // i32x4.shr_s
const addV = simd(0xae); // i32x4.add
const mulV = simd(0xb5); // i32x4.mul
/** `block` + `loop` with a `br_if 1` exit test first and `br 0` at the end: while (cond) body. */
const whileLoop = (cond: Code, body: Code): Code => [0x02, 0x40, 0x03, 0x40, ...cond, 0x45, 0x0d, 1, ...body, 0x0c, 0, 0x0b, 0x0b];

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

/** HALF + a*wa + b*wb + c*wc, shifted right by 22, on i32x4 lanes. */
const mac3 = (a: Code, wa: Code, b: Code, wb: Code, c: Code, wc: Code, half: Code): Code => [
  ...half,
  ...a, ...wa, ...mulV, ...addV,
  ...b, ...wb, ...mulV, ...addV,
  ...c, ...wc, ...mulV, ...addV,
  ...i32(PRECISION_BITS), ...shrS,
];

/**
 * vpass(src, width, outHeight, plan, out): out row yy = rows start, start+1, start+2 of src weighted by w0..w2,
 * with plan row yy = i32 [start, w0, w1, w2]. 16 pixels per step; the last step is moved back to end at the
 * row's end (recomputing a few pixels), so width must be >= 16.
 */
function vpassBody(): { locals: number[][]; code: Code } {
  const [src, width, outH, plan, out] = [0, 1, 2, 3, 4];
  const [yy, x, r0, r1, r2, o, last, p] = [5, 6, 7, 8, 9, 10, 11, 12];
  const [w0, w1, w2, half, a, b, c, aL, aH, bL, bH, cL, cH] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  const quarter = (lo: boolean, half16: 'low' | 'high'): Code => {
    const ext = half16 === 'low' ? extLow16 : extHigh16;
    return mac3([...get(lo ? aL : aH), ...ext], get(w0), [...get(lo ? bL : bH), ...ext], get(w1), [...get(lo ? cL : cH), ...ext], get(w2), get(half));
  };
  const step: Code = [
    ...get(r0), ...get(x), ...add, ...v128Load(), ...set(a),
    ...get(r1), ...get(x), ...add, ...v128Load(), ...set(b),
    ...get(r2), ...get(x), ...add, ...v128Load(), ...set(c),
    ...get(a), ...extLow8, ...set(aL), ...get(a), ...extHigh8, ...set(aH),
    ...get(b), ...extLow8, ...set(bL), ...get(b), ...extHigh8, ...set(bH),
    ...get(c), ...extLow8, ...set(cL), ...get(c), ...extHigh8, ...set(cH),
    ...get(o), ...get(x), ...add,
    ...quarter(true, 'low'), ...quarter(true, 'high'), ...narrowS16,
    ...quarter(false, 'low'), ...quarter(false, 'high'), ...narrowS16,
    ...narrowU8, ...v128Store,
  ];
  const code: Code = [
    ...i32(HALF), ...i32x4Splat, ...set(half),
    ...get(width), ...i32(-16), ...add, ...set(last),
    ...i32(0), ...set(yy),
    ...whileLoop([...get(yy), ...get(outH), 0x48 /* lt_s */], [
      ...get(plan), ...get(yy), ...i32(16), ...mul, ...add, ...set(p),
      ...get(src), ...get(p), ...i32Load(0), ...get(width), ...mul, ...add, ...set(r0),
      ...get(r0), ...get(width), ...add, ...set(r1),
      ...get(r1), ...get(width), ...add, ...set(r2),
      ...get(p), ...i32Load(4), ...i32x4Splat, ...set(w0),
      ...get(p), ...i32Load(8), ...i32x4Splat, ...set(w1),
      ...get(p), ...i32Load(12), ...i32x4Splat, ...set(w2),
      ...get(out), ...get(yy), ...get(width), ...mul, ...add, ...set(o),
      ...i32(0), ...set(x),
      // do { step(x); if (x >= last) break; x = min(x + 16, last) } while (true)
      0x02, 0x40, 0x03, 0x40,
      ...step,
      ...get(x), ...get(last), 0x4e /* ge_s */, 0x0d, 1,
      ...get(x), ...i32(16), ...add, ...set(x),
      ...get(last), ...get(x), ...get(x), ...get(last), 0x4a /* gt_s */, 0x1b /* select: last if x > last */, ...set(x),
      0x0c, 0, 0x0b, 0x0b,
      ...get(yy), ...i32(1), ...add, ...set(yy),
    ]),
  ];
  return { locals: [[8, I32], [13, V128]], code };
}

/** Bytes per group of eight output columns in an hpass plan (see hpassPlan). */
export const HPLAN_GROUP_BYTES = 160;

/**
 * hpass(src, width, height, outWidth, plan, groups, out): groups of eight output columns, each group one 16-byte
 * load per row, from which three swizzles pick the first, second and third tap of all eight columns as 16-bit
 * lanes. Plan group layout (160 bytes): i32 input offset in the row, i32 first output column, 8 bytes padding,
 * then three swizzle masks (taps 0..2), then the weights: taps 0..2 of columns 0..3, taps 0..2 of columns 4..7.
 * Loads may read up to 15 bytes past the last row: the caller leaves that room.
 */
function hpassBody(): { locals: number[][]; code: Code } {
  const [src, width, height, outW, plan, groups, out] = [0, 1, 2, 3, 4, 5, 6];
  const [g, p, s, o, y] = [7, 8, 9, 10, 11];
  const [i0, i1, i2, wl0, wl1, wl2, wh0, wh1, wh2, half, v, q0, q1, q2] = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  const row: Code = [
    ...get(o), // store address, consumed last
    ...get(s), ...v128Load(), ...set(v),
    ...get(v), ...get(i0), ...swizzle, ...set(q0),
    ...get(v), ...get(i1), ...swizzle, ...set(q1),
    ...get(v), ...get(i2), ...swizzle, ...set(q2),
    ...mac3([...get(q0), ...extLow16], get(wl0), [...get(q1), ...extLow16], get(wl1), [...get(q2), ...extLow16], get(wl2), get(half)),
    ...mac3([...get(q0), ...extHigh16], get(wh0), [...get(q1), ...extHigh16], get(wh1), [...get(q2), ...extHigh16], get(wh2), get(half)),
    ...narrowS16,
    // i8x16.narrow_i16x8_u takes two i16x8 operands: narrow this one twice and store the low 8 bytes.
    ...set(v), ...get(v), ...get(v), ...narrowU8, ...store64Lane0,
  ];
  const code: Code = [
    ...i32(HALF), ...i32x4Splat, ...set(half),
    ...i32(0), ...set(g),
    ...whileLoop([...get(g), ...get(groups), 0x48], [
      ...get(plan), ...get(g), ...i32(HPLAN_GROUP_BYTES), ...mul, ...add, ...set(p),
      ...get(src), ...get(p), ...i32Load(0), ...add, ...set(s),
      ...get(out), ...get(p), ...i32Load(4), ...add, ...set(o),
      ...get(p), ...v128Load(16), ...set(i0),
      ...get(p), ...v128Load(32), ...set(i1),
      ...get(p), ...v128Load(48), ...set(i2),
      ...get(p), ...v128Load(64), ...set(wl0),
      ...get(p), ...v128Load(80), ...set(wl1),
      ...get(p), ...v128Load(96), ...set(wl2),
      ...get(p), ...v128Load(112), ...set(wh0),
      ...get(p), ...v128Load(128), ...set(wh1),
      ...get(p), ...v128Load(144), ...set(wh2),
      ...i32(0), ...set(y),
      ...whileLoop([...get(y), ...get(height), 0x48], [
        ...row,
        ...get(s), ...get(width), ...add, ...set(s),
        ...get(o), ...get(outW), ...add, ...set(o),
        ...get(y), ...i32(1), ...add, ...set(y),
      ]),
      ...get(g), ...i32(1), ...add, ...set(g),
    ]),
  ];
  return { locals: [[5, I32], [14, V128]], code };
}

// --- PNG unfiltering, one byte per pixel. Row functions take (r: filtered row data, o: output row, width). ---

/**
 * The Paeth predictor of locals a, b, c, left on the stack: stb_image's formulation (see png-gray8.ts's
 * `paeth`) with `select`: lo/hi = min/max(a, b), t = 3c - a - b; t <= lo ? hi : hi <= t ? lo : c.
 */
function paethCode(a: number, b: number, c: number, lo: number, hi: number, t: number): Code {
  return [
    ...get(a), ...get(b), ...get(a), ...get(b), ...ltU, ...select, ...set(lo),
    ...get(b), ...get(a), ...get(a), ...get(b), ...ltU, ...select, ...set(hi),
    ...get(c), ...i32(3), ...mul, ...get(a), ...sub, ...get(b), ...sub, ...set(t),
    ...get(hi),
    ...get(lo), ...get(c), ...get(hi), ...get(t), ...leS, ...select,
    ...get(t), ...get(lo), ...leS, ...select,
  ];
}

const [R, O, W] = [0, 1, 2];
const masked = (code: Code): Code => [...code, ...i32(255), ...and];

/** Sub: a = raw + a. Locals: x 3, a 4. */
function unSubCode(): Code {
  const [x, a] = [3, 4];
  return whileLoop([...get(x), ...get(W), 0x48], [
    ...masked([...load8([...get(R), ...get(x), ...add]), ...get(a), ...add]), ...set(a),
    ...store8([...get(O), ...get(x), ...add], get(a)),
    ...inc(x),
  ]);
}

/** Up: raw + the byte above. Locals: x 3, p 4. */
function unUpCode(): Code {
  const [x, p] = [3, 4];
  return [
    ...get(O), ...get(W), ...sub, ...set(p),
    ...whileLoop([...get(x), ...get(W), 0x48], [
      ...store8([...get(O), ...get(x), ...add], [...load8([...get(R), ...get(x), ...add]), ...load8([...get(p), ...get(x), ...add]), ...add]),
      ...inc(x),
    ]),
  ];
}

/** Average; `first` for row 0 (nothing above). Locals: x 3, a 4, p 5. */
function unAverageCode(first: boolean): Code {
  const [x, a, p] = [3, 4, 5];
  const above = first ? i32(0) : load8([...get(p), ...get(x), ...add]);
  return [
    ...get(O), ...get(W), ...sub, ...set(p),
    ...whileLoop([...get(x), ...get(W), 0x48], [
      ...masked([...load8([...get(R), ...get(x), ...add]), ...get(a), ...above, ...add, ...i32(1), ...shrU, ...add]), ...set(a),
      ...store8([...get(O), ...get(x), ...add], get(a)),
      ...inc(x),
    ]),
  ];
}

/** Paeth. Locals: x 3, a 4, b 5, c 6, p 7, lo 8, hi 9, t 10. */
function unPaethCode(): Code {
  const [x, a, b, c, p, lo, hi, t] = [3, 4, 5, 6, 7, 8, 9, 10];
  return [
    ...get(O), ...get(W), ...sub, ...set(p),
    ...whileLoop([...get(x), ...get(W), 0x48], [
      ...load8([...get(p), ...get(x), ...add]), ...set(b),
      ...masked([...load8([...get(R), ...get(x), ...add]), ...paethCode(a, b, c, lo, hi, t), ...add]), ...set(a),
      ...store8([...get(O), ...get(x), ...add], get(a)),
      ...get(b), ...set(c),
      ...inc(x),
    ]),
  ];
}

/**
 * Two consecutive rows with the same filter (Paeth, or Average when `average`), the second one pixel behind the
 * first: two independent dependency chains the CPU overlaps. Locals: x 3, a 4, b 5, c 6, p 7, lo 8, hi 9, t 10,
 * a2 11, b2 12, c2 13, r2m 14 (second row's data - 1), o2m 15 (second output row - 1), om 16 (first output row - 1).
 */
function unPair(average: boolean): Code {
  const [x, a, b, c, p, lo, hi, t, a2, b2, c2, r2m, o2m, om] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const predict = (aa: number, bb: number, cc: number): Code =>
    average ? [...get(aa), ...get(bb), ...add, ...i32(1), ...shrU] : paethCode(aa, bb, cc, lo, hi, t);
  return [
    ...get(O), ...get(W), ...sub, ...set(p),
    ...get(R), ...get(W), ...add, ...set(r2m),
    ...get(O), ...get(W), ...add, ...i32(-1), ...add, ...set(o2m),
    ...get(O), ...i32(-1), ...add, ...set(om),
    // x = 0 of the first row: a = c = 0, so Paeth predicts b and Average b >> 1.
    ...load8(get(p)), ...set(b),
    ...masked([...load8(get(R)), ...(average ? [...get(b), ...i32(1), ...shrU] : get(b)), ...add]), ...set(a),
    ...store8(get(O), get(a)),
    ...get(b), ...set(c),
    ...i32(1), ...set(x),
    ...whileLoop([...get(x), ...get(W), 0x48], [
      ...load8([...get(p), ...get(x), ...add]), ...set(b),
      ...masked([...load8([...get(R), ...get(x), ...add]), ...predict(a, b, c), ...add]), ...set(a),
      ...store8([...get(O), ...get(x), ...add], get(a)),
      ...get(b), ...set(c),
      ...load8([...get(om), ...get(x), ...add]), ...set(b2),
      ...masked([...load8([...get(r2m), ...get(x), ...add]), ...predict(a2, b2, c2), ...add]), ...set(a2),
      ...store8([...get(o2m), ...get(x), ...add], get(a2)),
      ...get(b2), ...set(c2),
      ...inc(x),
    ]),
    // The second row's last pixel.
    ...load8([...get(om), ...get(W), ...add]), ...set(b2),
    ...store8([...get(o2m), ...get(W), ...add], [...load8([...get(r2m), ...get(W), ...add]), ...predict(a2, b2, c2), ...add]),
  ];
}

/** Function indices of the row kernels in the module (see moduleBytes). */
const FN = { sub: 3, up: 4, avgFirst: 5, avg: 6, paeth: 7, paeth2: 8, avg2: 9 };

/**
 * unfilter(raw, width, height, out) -> 0, or 1 + the first row whose filter type is not 0..4. `raw` holds the
 * inflated scanlines (filter byte + width samples per row), `out` receives width * height samples. Row 0 has
 * an all-zero row above it: Up is None, Paeth is Sub, Average uses the left neighbour only. Two consecutive
 * Paeth or Average rows (after row 0) go to the paired kernels.
 * Locals: stride 4, y 5, at 6, f 7, r 8, o 9, pair 10.
 */
function unfilterCode(): Code {
  const [raw, width, height, out] = [0, 1, 2, 3];
  const [stride, y, at, f, r, o, pair] = [4, 5, 6, 7, 8, 9, 10];
  const is = (n: number): Code => [...get(f), ...i32(n), ...eq];
  const row = (fn: number): Code => [...get(r), ...get(o), ...get(width), ...call(fn)];
  return [
    ...get(width), ...i32(1), ...add, ...set(stride),
    ...whileLoop([...get(y), ...get(height), 0x48], [
      ...get(raw), ...get(y), ...get(stride), ...mul, ...add, ...set(at),
      ...load8(get(at)), ...set(f),
      ...get(at), ...i32(1), ...add, ...set(r),
      ...get(out), ...get(y), ...get(width), ...mul, ...add, ...set(o),
      ...ifThen([...get(f), ...i32(4), ...gtU], [...get(y), ...i32(1), ...add, 0x0f /* return */]),
      ...ifThen([...get(y), 0x45 /* eqz */], [
        ...ifThen(is(2), [...i32(0), ...set(f)]),
        ...ifThen(is(4), [...i32(1), ...set(f)]),
        ...ifThen(is(3), [...i32(5), ...set(f)]),
      ]),
      ...i32(0), ...set(pair),
      ...ifThen([...get(y), ...i32(0), ...gtU, ...get(y), ...i32(1), ...add, ...get(height), 0x48, ...and], [
        ...load8([...get(at), ...get(stride), ...add]), ...get(f), ...eq, ...is(3), ...is(4), ...or, ...and, ...set(pair),
      ]),
      ...ifThen(get(pair), [
        ...ifThen(is(4), row(FN.paeth2), row(FN.avg2)),
        ...inc(y, 2),
      ], [
        ...ifThen(is(0), [...get(o), ...get(r), ...get(width), 0xfc, 10, 0, 0 /* memory.copy */],
          ifThen(is(1), row(FN.sub),
            ifThen(is(2), row(FN.up),
              ifThen(is(3), row(FN.avg),
                ifThen(is(4), row(FN.paeth), row(FN.avgFirst)))))),
        ...inc(y),
      ]),
    ]),
    ...i32(0),
  ];
}

function moduleBytes(): Uint8Array {
  const rowFn = (n: number, code: Code): Fn => ({ params: 3, results: 0, locals: [[n, I32]], code });
  type Fn = { name?: string; params: number; results: number; locals: number[][]; code: Code };
  const v = vpassBody();
  const h = hpassBody();
  // Order matters: FN holds the row kernels' indices.
  const funcs: Fn[] = [
    { name: 'vpass', params: 5, results: 0, ...v },
    { name: 'hpass', params: 7, results: 0, ...h },
    { name: 'unfilter', params: 4, results: 1, locals: [[7, I32]], code: unfilterCode() },
    rowFn(2, unSubCode()),
    rowFn(2, unUpCode()),
    rowFn(3, unAverageCode(true)),
    rowFn(3, unAverageCode(false)),
    rowFn(8, unPaethCode()),
    rowFn(14, unPair(false)),
    rowFn(14, unPair(true)),
  ];
  const types = funcs.map((f) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), ...vec(Array.from({ length: f.results }, () => [I32]))]);
  const bodies = funcs.map((f) => {
    const fn = [...vec(f.locals.map(([n, t]) => [...uleb(n!), t!])), ...f.code, 0x0b];
    return [...uleb(fn.length), ...fn];
  });
  const exported = funcs.flatMap((f, i) => (f.name ? [[...name(f.name), 0x00, ...uleb(i)]] : []));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(1)]])), // one memory, 1 page to start, grown on demand
    ...section(7, vec([[...name('memory'), 0x02, 0], ...exported])),
    ...section(10, vec(bodies)),
  ]);
}

export interface Gray8Kernels {
  memory: WasmMemory;
  unfilter(raw: number, width: number, height: number, out: number): number;
  vpass(src: number, width: number, outHeight: number, plan: number, out: number): void;
  hpass(src: number, width: number, height: number, outWidth: number, plan: number, groups: number, out: number): void;
}

let kernels: Gray8Kernels | null | undefined;

/** The compiled kernels, or undefined where WebAssembly SIMD is unavailable (or RETHINK_WASM_SIMD=0). */
export function gray8Kernels(): Gray8Kernels | undefined {
  if (kernels === undefined) {
    kernels = null;
    const api = wasmApi();
    if (process.env.RETHINK_WASM_SIMD !== '0' && api !== undefined) {
      try {
        const instance = new api.Instance(new api.Module(moduleBytes()));
        kernels = instance.exports as unknown as Gray8Kernels;
      } catch {
        kernels = null;
      }
    }
  }
  return kernels ?? undefined;
}

/** The raw module bytes, for tests (validation) and inspection. */
export function gray8ModuleBytes(): Uint8Array {
  return moduleBytes();
}

/** Room kernels may read or write past a region: one 16-byte vector. */
export const PAD = 16;
export const align16 = (n: number): number => (n + 15) & ~15;

/** The kernels' memory as bytes, grown first to at least `bytes` (growing detaches earlier views). */
export function kernelMemory(k: Gray8Kernels, bytes: number): Uint8Array {
  const have = k.memory.buffer.byteLength;
  if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / 65536));
  return new Uint8Array(k.memory.buffer);
}
