// 2-D max and average pooling on NHWC as oneDNN primitives: forward, and both gradients. The max-pool gradient
// routes each dy to the FIRST maximum of its window in row-major order, as tfjs's cpu backend (and PyTorch) do;
// the average-pool gradient divides by the full window, padding included, as tfjs's AvgPoolGrad does (its
// forward excludes padding: a tfjs quirk kept for equality).
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

struct MaxPoolBackward {
  pooling_forward forward;
  pooling_backward backward;
  memory dst, workspace;  // the re-run forward's outputs, kept for the next call of this shape
};

ShapeCache<MaxPoolBackward> maxBackwardCache;

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


// maxPool2dBackward(dy, x, dx, geometry): the forward is re-run in training mode for its workspace (the argmax of
// each window), then oneDNN's backward scatters dy through it.
void maxPool2dBackward(Call& call) {
  auto g = PoolGeometry::read(call, 3);
  auto dy = call.f32(0), x = call.f32(1), dx = call.f32(2);
  expectSize(dy, g.n * g.oh * g.ow * g.c, call.name(), "dy");
  expectSize(x, g.n * g.h * g.w * g.c, call.name(), "x");
  expectSize(dx, g.n * g.h * g.w * g.c, call.name(), "dx");
  auto& e = maxBackwardCache.get(key("maxpool_bwd", g.values()), [&] {
    pooling_forward::primitive_desc fwd(g.forward(prop_kind::forward_training, algorithm::pooling_max), cpuEngine());
    pooling_backward::desc d(algorithm::pooling_max, g.src(), g.dst(), {g.sh, g.sw}, {g.kh, g.kw}, {g.pt, g.pl}, {g.pb, g.pr});
    pooling_backward::primitive_desc bwd(d, cpuEngine(), fwd);
    return MaxPoolBackward{pooling_forward(fwd), pooling_backward(bwd), memory(fwd.dst_desc(), cpuEngine()),
                           memory(fwd.workspace_desc(), cpuEngine())};
  });
  e.forward.execute(cpuStream(), {{DNNL_ARG_SRC, wrap(g.src(), x.data)}, {DNNL_ARG_DST, e.dst}, {DNNL_ARG_WORKSPACE, e.workspace}});
  e.backward.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, wrap(g.dst(), dy.data)},
                                   {DNNL_ARG_WORKSPACE, e.workspace},
                                   {DNNL_ARG_DIFF_SRC, wrap(g.src(), dx.data)}});
  cpuStream().wait();
}

size_t poolCacheSize() { return forwardCache.size() + avgBackwardCache.size() + maxBackwardCache.size(); }

}  // namespace rt
