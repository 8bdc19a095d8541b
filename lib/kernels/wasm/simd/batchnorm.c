/*
 * BatchNorm passes for the tfjs wasm backend, as a tiny freestanding wasm SIMD module that IMPORTS the
 * backend's own WebAssembly.Memory and works in place on its tensors (pointers = tfjs memoryOffsets).
 * Built by scripts/build-wasm-simd.sh; loaded by lib/backend/wasm-simd/module.ts.
 *
 * The module must never write memory it was not handed a pointer to: it has no data segments, no static
 * variables and no shadow stack (every function is a leaf on scalars and v128 values). The build script
 * checks the disassembly for that. Per-channel float64 accumulators live in a scratch buffer the caller
 * mallocs on the tfjs heap.
 *
 * Layout: x is [rows, c] (NHWC flattened, channel innermost). Every pass walks the tensor in blocks of ROWS
 * rows; inside a block, channels go in chunks of 8 (or 4) whose per-channel state sits in v128 registers
 * for the whole block, then a scalar tail for c % 4. ROWS = 4 was the fastest of 1..64 on DenseNet121's BN
 * shapes (the passes are bound by the float64 arithmetic; taller blocks walk strided rows and lose to cache
 * set and 4K-aliasing effects at c = 256/1024). Each channel still accumulates its rows in order, with
 * the same float64 operations as the JS reference (lib/backend/wasm-kernels/batchnorm-kernels.ts), so the
 * reductions and the affine pass give bit-identical results.
 */
#include <wasm_simd128.h>

typedef unsigned int u32;

#define EXPORT(name) __attribute__((export_name(#name), visibility("default")))
#ifndef ROWS
#define ROWS 4u
#endif

static inline v128_t lo64(v128_t v) { return wasm_f64x2_promote_low_f32x4(v); }
static inline v128_t hi64(v128_t v) { return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3)); }
static inline v128_t pack32(v128_t lo, v128_t hi) {
  return wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(lo), wasm_f32x4_demote_f64x2_zero(hi), 0, 1, 4, 5);
}
static inline v128_t ld(const void *p) { return wasm_v128_load(p); }
static inline void st(void *p, v128_t v) { wasm_v128_store(p, v); }

/*
 * mean[k], var[k] (biased) of x over rows. acc: 3*c doubles of scratch (shift, Σd, Σd²).
 * Shifted-data algorithm: d = x - x[0][k], var = Σd²/n - (Σd/n)².
 */
EXPORT(bn_moments)
void bn_moments(const float *x, u32 rows, u32 c, double *acc, float *mean, float *var) {
  double *shift = acc, *sum = acc + c, *sq = acc + 2 * c;
  for (u32 k = 0; k < c; k++) {
    shift[k] = (double)x[k];
    sum[k] = 0.0;
    sq[k] = 0.0;
  }
  for (u32 r0 = 0; r0 < rows; r0 += ROWS) {
    const u32 nb = rows - r0 < ROWS ? rows - r0 : ROWS;
    const float *xb = x + (u32)r0 * c;
    u32 k = 0;
    for (; k + 8 <= c; k += 8) {
      const v128_t h0 = ld(shift + k), h1 = ld(shift + k + 2), h2 = ld(shift + k + 4), h3 = ld(shift + k + 6);
      v128_t s0 = ld(sum + k), s1 = ld(sum + k + 2), s2 = ld(sum + k + 4), s3 = ld(sum + k + 6);
      v128_t q0 = ld(sq + k), q1 = ld(sq + k + 2), q2 = ld(sq + k + 4), q3 = ld(sq + k + 6);
      const float *p = xb + k;
      for (u32 j = 0; j < nb; j++, p += c) {
        const v128_t v0 = ld(p), v1 = ld(p + 4);
        const v128_t d0 = wasm_f64x2_sub(lo64(v0), h0), d1 = wasm_f64x2_sub(hi64(v0), h1);
        const v128_t d2 = wasm_f64x2_sub(lo64(v1), h2), d3 = wasm_f64x2_sub(hi64(v1), h3);
        s0 = wasm_f64x2_add(s0, d0);
        s1 = wasm_f64x2_add(s1, d1);
        s2 = wasm_f64x2_add(s2, d2);
        s3 = wasm_f64x2_add(s3, d3);
        q0 = wasm_f64x2_add(q0, wasm_f64x2_mul(d0, d0));
        q1 = wasm_f64x2_add(q1, wasm_f64x2_mul(d1, d1));
        q2 = wasm_f64x2_add(q2, wasm_f64x2_mul(d2, d2));
        q3 = wasm_f64x2_add(q3, wasm_f64x2_mul(d3, d3));
      }
      st(sum + k, s0), st(sum + k + 2, s1), st(sum + k + 4, s2), st(sum + k + 6, s3);
      st(sq + k, q0), st(sq + k + 2, q1), st(sq + k + 4, q2), st(sq + k + 6, q3);
    }
    for (; k + 4 <= c; k += 4) {
      const v128_t h0 = ld(shift + k), h1 = ld(shift + k + 2);
      v128_t s0 = ld(sum + k), s1 = ld(sum + k + 2), q0 = ld(sq + k), q1 = ld(sq + k + 2);
      const float *p = xb + k;
      for (u32 j = 0; j < nb; j++, p += c) {
        const v128_t v0 = ld(p);
        const v128_t d0 = wasm_f64x2_sub(lo64(v0), h0), d1 = wasm_f64x2_sub(hi64(v0), h1);
        s0 = wasm_f64x2_add(s0, d0);
        s1 = wasm_f64x2_add(s1, d1);
        q0 = wasm_f64x2_add(q0, wasm_f64x2_mul(d0, d0));
        q1 = wasm_f64x2_add(q1, wasm_f64x2_mul(d1, d1));
      }
      st(sum + k, s0), st(sum + k + 2, s1), st(sq + k, q0), st(sq + k + 2, q1);
    }
    for (; k < c; k++) {
      const double h = shift[k];
      double s = sum[k], q = sq[k];
      const float *p = xb + k;
      for (u32 j = 0; j < nb; j++, p += c) {
        const double d = (double)*p - h;
        s += d;
        q += d * d;
      }
      sum[k] = s;
      sq[k] = q;
    }
  }
  const double n = (double)rows;
  for (u32 k = 0; k < c; k++) {
    const double m = sum[k] / n;
    const double v = sq[k] / n - m * m;
    mean[k] = (float)(shift[k] + m);
    var[k] = (float)(v < 0.0 ? 0.0 : v);
  }
}

/* sumOut[k] = Σ dy, dotOut[k] = Σ dy·(x - mu[k]). acc: 2*c doubles of scratch. */
EXPORT(bn_grad_sums)
void bn_grad_sums(const float *dy, const float *x, const float *mu, u32 rows, u32 c, double *acc, float *sumOut,
                  float *dotOut) {
  double *sum = acc, *dot = acc + c;
  for (u32 k = 0; k < c; k++) {
    sum[k] = 0.0;
    dot[k] = 0.0;
  }
  for (u32 r0 = 0; r0 < rows; r0 += ROWS) {
    const u32 nb = rows - r0 < ROWS ? rows - r0 : ROWS;
    const u32 base = (u32)r0 * c;
    u32 k = 0;
    for (; k + 8 <= c; k += 8) {
      const v128_t ma = ld(mu + k), mb = ld(mu + k + 4);
      const v128_t m0 = lo64(ma), m1 = hi64(ma), m2 = lo64(mb), m3 = hi64(mb);
      v128_t s0 = ld(sum + k), s1 = ld(sum + k + 2), s2 = ld(sum + k + 4), s3 = ld(sum + k + 6);
      v128_t t0 = ld(dot + k), t1 = ld(dot + k + 2), t2 = ld(dot + k + 4), t3 = ld(dot + k + 6);
      const float *pg = dy + base + k, *px = x + base + k;
      for (u32 j = 0; j < nb; j++, pg += c, px += c) {
        const v128_t ga = ld(pg), gb = ld(pg + 4), xa = ld(px), xb = ld(px + 4);
        const v128_t g0 = lo64(ga), g1 = hi64(ga), g2 = lo64(gb), g3 = hi64(gb);
        s0 = wasm_f64x2_add(s0, g0);
        s1 = wasm_f64x2_add(s1, g1);
        s2 = wasm_f64x2_add(s2, g2);
        s3 = wasm_f64x2_add(s3, g3);
        t0 = wasm_f64x2_add(t0, wasm_f64x2_mul(g0, wasm_f64x2_sub(lo64(xa), m0)));
        t1 = wasm_f64x2_add(t1, wasm_f64x2_mul(g1, wasm_f64x2_sub(hi64(xa), m1)));
        t2 = wasm_f64x2_add(t2, wasm_f64x2_mul(g2, wasm_f64x2_sub(lo64(xb), m2)));
        t3 = wasm_f64x2_add(t3, wasm_f64x2_mul(g3, wasm_f64x2_sub(hi64(xb), m3)));
      }
      st(sum + k, s0), st(sum + k + 2, s1), st(sum + k + 4, s2), st(sum + k + 6, s3);
      st(dot + k, t0), st(dot + k + 2, t1), st(dot + k + 4, t2), st(dot + k + 6, t3);
    }
    for (; k + 4 <= c; k += 4) {
      const v128_t ma = ld(mu + k);
      const v128_t m0 = lo64(ma), m1 = hi64(ma);
      v128_t s0 = ld(sum + k), s1 = ld(sum + k + 2), t0 = ld(dot + k), t1 = ld(dot + k + 2);
      const float *pg = dy + base + k, *px = x + base + k;
      for (u32 j = 0; j < nb; j++, pg += c, px += c) {
        const v128_t ga = ld(pg), xa = ld(px);
        const v128_t g0 = lo64(ga), g1 = hi64(ga);
        s0 = wasm_f64x2_add(s0, g0);
        s1 = wasm_f64x2_add(s1, g1);
        t0 = wasm_f64x2_add(t0, wasm_f64x2_mul(g0, wasm_f64x2_sub(lo64(xa), m0)));
        t1 = wasm_f64x2_add(t1, wasm_f64x2_mul(g1, wasm_f64x2_sub(hi64(xa), m1)));
      }
      st(sum + k, s0), st(sum + k + 2, s1), st(dot + k, t0), st(dot + k + 2, t1);
    }
    for (; k < c; k++) {
      const double m = (double)mu[k];
      double s = sum[k], t = dot[k];
      const float *pg = dy + base + k, *px = x + base + k;
      for (u32 j = 0; j < nb; j++, pg += c, px += c) {
        const double g = (double)*pg;
        s += g;
        t += g * ((double)*px - m);
      }
      sum[k] = s;
      dot[k] = t;
    }
  }
  for (u32 k = 0; k < c; k++) {
    sumOut[k] = (float)sum[k];
    dotOut[k] = (float)dot[k];
  }
}

/* out = a[k]·dy + b[k]·x + cc[k], evaluated in float64 like the JS reference, rounded once to float32. */
EXPORT(bn_affine2)
void bn_affine2(const float *dy, const float *x, const float *a, const float *b, const float *cc, u32 rows, u32 c,
                float *out) {
  for (u32 r0 = 0; r0 < rows; r0 += ROWS) {
    const u32 nb = rows - r0 < ROWS ? rows - r0 : ROWS;
    const u32 base = (u32)r0 * c;
    u32 k = 0;
    for (; k + 4 <= c; k += 4) {
      const v128_t av = ld(a + k), bv = ld(b + k), cv = ld(cc + k);
      const v128_t a0 = lo64(av), a1 = hi64(av), b0 = lo64(bv), b1 = hi64(bv), c0 = lo64(cv), c1 = hi64(cv);
      const float *pg = dy + base + k, *px = x + base + k;
      float *po = out + base + k;
      for (u32 j = 0; j < nb; j++, pg += c, px += c, po += c) {
        const v128_t g = ld(pg), xv = ld(px);
        const v128_t o0 =
            wasm_f64x2_add(wasm_f64x2_add(wasm_f64x2_mul(a0, lo64(g)), wasm_f64x2_mul(b0, lo64(xv))), c0);
        const v128_t o1 =
            wasm_f64x2_add(wasm_f64x2_add(wasm_f64x2_mul(a1, hi64(g)), wasm_f64x2_mul(b1, hi64(xv))), c1);
        st(po, pack32(o0, o1));
      }
    }
    for (; k < c; k++) {
      const double ak = (double)a[k], bk = (double)b[k], ck = (double)cc[k];
      const float *pg = dy + base + k, *px = x + base + k;
      float *po = out + base + k;
      for (u32 j = 0; j < nb; j++, pg += c, px += c, po += c) {
        *po = (float)(ak * (double)*pg + bk * (double)*px + ck);
      }
    }
  }
}

/*
 * BatchNorm forward: out = beta[k] + (x - mean[k])·s[k], s[k] = gamma[k] / sqrt(var[k] + eps), in float64
 * (the cpu backend's formula, also evaluated in float64 there), rounded once to float32.
 */
EXPORT(bn_normalize)
void bn_normalize(const float *x, const float *mean, const float *var, const float *gamma, const float *beta,
                  double eps, u32 rows, u32 c, float *out) {
  const v128_t e = wasm_f64x2_splat(eps);
  for (u32 r0 = 0; r0 < rows; r0 += ROWS) {
    const u32 nb = rows - r0 < ROWS ? rows - r0 : ROWS;
    const u32 base = (u32)r0 * c;
    u32 k = 0;
    for (; k + 4 <= c; k += 4) {
      const v128_t mv = ld(mean + k), vv = ld(var + k), gv = ld(gamma + k), bv = ld(beta + k);
      const v128_t m0 = lo64(mv), m1 = hi64(mv), o0 = lo64(bv), o1 = hi64(bv);
      const v128_t s0 = wasm_f64x2_div(lo64(gv), wasm_f64x2_sqrt(wasm_f64x2_add(lo64(vv), e)));
      const v128_t s1 = wasm_f64x2_div(hi64(gv), wasm_f64x2_sqrt(wasm_f64x2_add(hi64(vv), e)));
      const float *px = x + base + k;
      float *po = out + base + k;
      for (u32 j = 0; j < nb; j++, px += c, po += c) {
        const v128_t xv = ld(px);
        const v128_t y0 = wasm_f64x2_add(o0, wasm_f64x2_mul(wasm_f64x2_sub(lo64(xv), m0), s0));
        const v128_t y1 = wasm_f64x2_add(o1, wasm_f64x2_mul(wasm_f64x2_sub(hi64(xv), m1), s1));
        st(po, pack32(y0, y1));
      }
    }
    for (; k < c; k++) {
      const double m = (double)mean[k], o = (double)beta[k];
      const double s = (double)gamma[k] / __builtin_sqrt((double)var[k] + eps);
      const float *px = x + base + k;
      float *po = out + base + k;
      for (u32 j = 0; j < nb; j++, px += c, po += c) *po = (float)(o + ((double)*px - m) * s);
    }
  }
}
