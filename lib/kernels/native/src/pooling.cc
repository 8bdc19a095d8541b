// 2-D max and average pooling on NHWC: forward (both) and the average-pool gradient as oneDNN primitives; the
// max-pool gradient as a loop that routes each dy to the FIRST maximum of its window in row-major order, which
// is what tfjs's cpu backend (and PyTorch) do. The average-pool gradient divides by the full window, padding
// included, as tfjs's AvgPoolGrad does (its forward excludes padding: a tfjs quirk kept for equality). oneDNN's own max-pool backward would need the forward's
// workspace, which the tfjs MaxPoolGrad kernel (dy, x, y) does not carry.
#include <algorithm>
#include <cstring>
#include <limits>

#include "kernels.h"

namespace rt {
namespace {

using namespace dnnl;

/** [N,H,W,C, KH,KW, OH,OW, sh,sw, pt,pl,pb,pr] */
struct PoolGeometry {
  int64_t n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl, pb, pr;

  static PoolGeometry read(const Call& call, size_t i) {
    auto p = call.i32(i);
    expectSize(p, 14, call.name(), "the geometry");
    const int32_t* v = p.data;
    return PoolGeometry{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]};
  }
  std::vector<int64_t> values() const { return {n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl, pb, pr}; }
  memory::desc src() const { return f32Desc({n, c, h, w}, tag::nhwc); }
  memory::desc dst() const { return f32Desc({n, c, oh, ow}, tag::nhwc); }
  pooling_forward::desc forward(prop_kind kind, algorithm alg) const {
    return pooling_forward::desc(kind, alg, src(), dst(), {sh, sw}, {kh, kw}, {pt, pl}, {pb, pr});
  }
};

ShapeCache<pooling_forward> forwardCache;
ShapeCache<pooling_backward> avgBackwardCache;

}  // namespace

// pool2dForward(x, y, geometry, isMax)
void pool2dForward(Call& call) {
  auto g = PoolGeometry::read(call, 2);
  bool isMax = call.number(3) != 0;
  auto x = call.f32(0), y = call.f32(1);
  expectSize(x, g.n * g.h * g.w * g.c, call.name(), "x");
  expectSize(y, g.n * g.oh * g.ow * g.c, call.name(), "y");
  std::vector<int64_t> k = g.values();
  k.push_back(isMax);
  auto& prim = forwardCache.get(key("pool_fwd", k), [&] {
    auto alg = isMax ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding;
    return pooling_forward(pooling_forward::primitive_desc(g.forward(prop_kind::forward_inference, alg), cpuEngine()));
  });
  prim.execute(cpuStream(), {{DNNL_ARG_SRC, wrap(g.src(), x.data)}, {DNNL_ARG_DST, wrap(g.dst(), y.data)}});
  cpuStream().wait();
}

// avgPool2dBackward(dy, dx, geometry)
void avgPool2dBackward(Call& call) {
  auto g = PoolGeometry::read(call, 2);
  auto dy = call.f32(0), dx = call.f32(1);
  expectSize(dy, g.n * g.oh * g.ow * g.c, call.name(), "dy");
  expectSize(dx, g.n * g.h * g.w * g.c, call.name(), "dx");
  auto& prim = avgBackwardCache.get(key("avgpool_bwd", g.values()), [&] {
    // tfjs's AvgPoolGrad divides by the whole window even where the forward excluded padding: match it.
    auto alg = algorithm::pooling_avg_include_padding;
    pooling_forward::primitive_desc hint(g.forward(prop_kind::forward_training, alg), cpuEngine());
    pooling_backward::desc d(alg, g.src(), g.dst(), {g.sh, g.sw}, {g.kh, g.kw}, {g.pt, g.pl}, {g.pb, g.pr});
    return pooling_backward(pooling_backward::primitive_desc(d, cpuEngine(), hint));
  });
  prim.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, wrap(g.dst(), dy.data)}, {DNNL_ARG_DIFF_SRC, wrap(g.src(), dx.data)}});
  cpuStream().wait();
}

// maxPool2dBackward(dy, x, dx, geometry)
void maxPool2dBackward(Call& call) {
  auto g = PoolGeometry::read(call, 3);
  auto dy = call.f32(0), x = call.f32(1), dx = call.f32(2);
  expectSize(dy, g.n * g.oh * g.ow * g.c, call.name(), "dy");
  expectSize(x, g.n * g.h * g.w * g.c, call.name(), "x");
  expectSize(dx, g.n * g.h * g.w * g.c, call.name(), "dx");
  const int64_t C = g.c;
  // Each thread owns whole images, so the scatter-adds of overlapping windows never race.
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < g.n; b++) {
    const float* xb = x.data + b * g.h * g.w * C;
    const float* dyb = dy.data + b * g.oh * g.ow * C;
    float* dxb = dx.data + b * g.h * g.w * C;
    std::memset(dxb, 0, sizeof(float) * g.h * g.w * C);
    std::vector<float> best(C);
    std::vector<int64_t> where(C);
    for (int64_t oy = 0; oy < g.oh; oy++) {
      const int64_t y0 = oy * g.sh - g.pt, y1 = std::min(y0 + g.kh, g.h);
      for (int64_t ox = 0; ox < g.ow; ox++) {
        const int64_t x0 = ox * g.sw - g.pl, x1 = std::min(x0 + g.kw, g.w);
        std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
        std::fill(where.begin(), where.end(), int64_t{-1});
        for (int64_t iy = std::max<int64_t>(y0, 0); iy < y1; iy++) {
          for (int64_t ix = std::max<int64_t>(x0, 0); ix < x1; ix++) {
            const int64_t at = (iy * g.w + ix) * C;
            const float* px = xb + at;
            for (int64_t ch = 0; ch < C; ch++) {
              if (px[ch] > best[ch]) {
                best[ch] = px[ch];
                where[ch] = at + ch;
              }
            }
          }
        }
        const float* pdy = dyb + (oy * g.ow + ox) * C;
        for (int64_t ch = 0; ch < C; ch++) {
          if (where[ch] >= 0) dxb[where[ch]] += pdy[ch];
        }
      }
    }
  }
}

size_t poolCacheSize() { return forwardCache.size() + avgBackwardCache.size(); }

}  // namespace rt
