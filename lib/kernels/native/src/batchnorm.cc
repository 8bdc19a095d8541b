// BatchNorm over the last (channel) axis of a [M, C] view of the data (M = all other axes), as oneDNN
// primitives: training forward (batch statistics out, biased variance as tf.moments), training backward
// (dx, dγ, dβ in one primitive) and inference with given statistics. Optional fused ReLU: the forward then
// writes a workspace the backward reads (oneDNN's fuse_norm_relu), so ReLU costs no pass of its own.
#include "kernels.h"

namespace rt {
namespace {

using namespace dnnl;

struct BnShape {
  int64_t m, c;
  // A [M, C] row-major tensor is oneDNN's nhwc with N=1, H=M, W=1.
  memory::desc data() const { return f32Desc({1, c, m, 1}, tag::nhwc); }
  memory::desc channel() const { return f32Desc({c}, tag::a); }
};

normalization_flags trainFlags(bool relu) {
  auto f = normalization_flags::use_scale | normalization_flags::use_shift;
  return relu ? f | normalization_flags::fuse_norm_relu : f;
}

struct BnForward {
  batch_normalization_forward::primitive_desc pd;
  batch_normalization_forward prim;
};

struct BnBackward {
  batch_normalization_backward prim;
};

ShapeCache<BnForward> trainForwardCache;
ShapeCache<BnBackward> trainBackwardCache;
ShapeCache<BnForward> inferenceCache;

BnForward& trainForward(const BnShape& s, float eps, bool relu) {
  return trainForwardCache.get(key("bn_train_fwd", s.m, s.c, relu, floatBits(eps)), [&] {
    batch_normalization_forward::desc d(prop_kind::forward_training, s.data(), eps, trainFlags(relu));
    batch_normalization_forward::primitive_desc pd(d, cpuEngine());
    return BnForward{pd, batch_normalization_forward(pd)};
  });
}

BnShape readShape(const Call& call, size_t i) {
  auto p = call.i32(i);
  expectSize(p, 2, call.name(), "the shape [M, C]");
  return BnShape{p.data[0], p.data[1]};
}

}  // namespace

// batchNormWorkspaceBytes([M, C], epsilon): bytes of the fused-ReLU workspace (the TS side allocates it).
void batchNormWorkspaceBytes(Call& call) {
  auto s = readShape(call, 0);
  float eps = static_cast<float>(call.number(1));
  size_t bytes = trainForward(s, eps, true).pd.workspace_desc().get_size();
  napi_create_double(call.env(), static_cast<double>(bytes), &call.result);
}

// batchNormTrainForward(x, gamma, beta, y, mean, variance, workspace | null, [M, C], epsilon)
void batchNormTrainForward(Call& call) {
  auto s = readShape(call, 7);
  float eps = static_cast<float>(call.number(8));
  auto x = call.f32(0), gamma = call.f32(1), beta = call.f32(2), y = call.f32(3), mean = call.f32(4),
       variance = call.f32(5);
  bool relu = !call.isNull(6);
  for (auto [span, what] : {std::pair{x, "x"}, std::pair{y, "y"}}) expectSize(span, s.m * s.c, call.name(), what);
  for (auto [span, what] : {std::pair{gamma, "gamma"}, std::pair{beta, "beta"}, std::pair{mean, "mean"},
                            std::pair{variance, "variance"}}) {
    expectSize(span, s.c, call.name(), what);
  }
  auto& e = trainForward(s, eps, relu);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(s.data(), x.data)},          {DNNL_ARG_DST, wrap(s.data(), y.data)},
      {DNNL_ARG_SCALE, wrap(s.channel(), gamma.data)}, {DNNL_ARG_SHIFT, wrap(s.channel(), beta.data)},
      {DNNL_ARG_MEAN, wrap(s.channel(), mean.data)},   {DNNL_ARG_VARIANCE, wrap(s.channel(), variance.data)},
  };
  if (relu) {
    auto ws = call.u8(6);
    if (ws.size < e.pd.workspace_desc().get_size()) throw ArgError("batchNormTrainForward: workspace too small");
    args[DNNL_ARG_WORKSPACE] = memory(e.pd.workspace_desc(), cpuEngine(), ws.data);
  }
  e.prim.execute(cpuStream(), args);
  cpuStream().wait();
}

// batchNormTrainBackward(dy, x, mean, variance, gamma, beta, workspace | null, dx, dgamma, dbeta, [M, C], epsilon)
// (beta does not enter the gradient, but oneDNN's backward primitive takes the shift among its arguments.)
void batchNormTrainBackward(Call& call) {
  auto s = readShape(call, 10);
  float eps = static_cast<float>(call.number(11));
  auto dy = call.f32(0), x = call.f32(1), mean = call.f32(2), variance = call.f32(3), gamma = call.f32(4),
       beta = call.f32(5), dx = call.f32(7), dgamma = call.f32(8), dbeta = call.f32(9);
  bool relu = !call.isNull(6);
  for (auto [span, what] : {std::pair{dy, "dy"}, std::pair{x, "x"}, std::pair{dx, "dx"}}) {
    expectSize(span, s.m * s.c, call.name(), what);
  }
  for (auto [span, what] : {std::pair{mean, "mean"}, std::pair{variance, "variance"}, std::pair{gamma, "gamma"},
                            std::pair{beta, "beta"}, std::pair{dgamma, "dgamma"}, std::pair{dbeta, "dbeta"}}) {
    expectSize(span, s.c, call.name(), what);
  }
  auto& fwd = trainForward(s, eps, relu);
  auto& e = trainBackwardCache.get(key("bn_train_bwd", s.m, s.c, relu, floatBits(eps)), [&] {
    batch_normalization_backward::desc d(prop_kind::backward, s.data(), s.data(), eps, trainFlags(relu));
    batch_normalization_backward::primitive_desc pd(d, cpuEngine(), fwd.pd);
    return BnBackward{batch_normalization_backward(pd)};
  });
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(s.data(), x.data)},
      {DNNL_ARG_DIFF_DST, wrap(s.data(), dy.data)},
      {DNNL_ARG_MEAN, wrap(s.channel(), mean.data)},
      {DNNL_ARG_VARIANCE, wrap(s.channel(), variance.data)},
      {DNNL_ARG_SCALE, wrap(s.channel(), gamma.data)},
      {DNNL_ARG_SHIFT, wrap(s.channel(), beta.data)},
      {DNNL_ARG_DIFF_SRC, wrap(s.data(), dx.data)},
      {DNNL_ARG_DIFF_SCALE, wrap(s.channel(), dgamma.data)},
      {DNNL_ARG_DIFF_SHIFT, wrap(s.channel(), dbeta.data)},
  };
  if (relu) {
    auto ws = call.u8(6);
    if (ws.size < fwd.pd.workspace_desc().get_size()) throw ArgError("batchNormTrainBackward: workspace too small");
    args[DNNL_ARG_WORKSPACE] = memory(fwd.pd.workspace_desc(), cpuEngine(), ws.data);
  }
  e.prim.execute(cpuStream(), args);
  cpuStream().wait();
}

// batchNormInference(x, mean, variance, gamma, beta, y, [M, C], epsilon, relu)
void batchNormInference(Call& call) {
  auto s = readShape(call, 6);
  float eps = static_cast<float>(call.number(7));
  bool relu = call.number(8) != 0;
  auto x = call.f32(0), mean = call.f32(1), variance = call.f32(2), gamma = call.f32(3), beta = call.f32(4),
       y = call.f32(5);
  expectSize(x, s.m * s.c, call.name(), "x");
  expectSize(y, s.m * s.c, call.name(), "y");
  for (auto [span, what] : {std::pair{mean, "mean"}, std::pair{variance, "variance"}, std::pair{gamma, "gamma"},
                            std::pair{beta, "beta"}}) {
    expectSize(span, s.c, call.name(), what);
  }
  auto& e = inferenceCache.get(key("bn_infer", s.m, s.c, relu, floatBits(eps)), [&] {
    auto flags = normalization_flags::use_global_stats | normalization_flags::use_scale | normalization_flags::use_shift;
    if (relu) flags = flags | normalization_flags::fuse_norm_relu;
    batch_normalization_forward::desc d(prop_kind::forward_inference, s.data(), eps, flags);
    batch_normalization_forward::primitive_desc pd(d, cpuEngine());
    return BnForward{pd, batch_normalization_forward(pd)};
  });
  e.prim.execute(cpuStream(), {
                                  {DNNL_ARG_SRC, wrap(s.data(), x.data)},
                                  {DNNL_ARG_DST, wrap(s.data(), y.data)},
                                  {DNNL_ARG_MEAN, wrap(s.channel(), mean.data)},
                                  {DNNL_ARG_VARIANCE, wrap(s.channel(), variance.data)},
                                  {DNNL_ARG_SCALE, wrap(s.channel(), gamma.data)},
                                  {DNNL_ARG_SHIFT, wrap(s.channel(), beta.data)},
                              });
  cpuStream().wait();
}

size_t batchNormCacheSize() { return trainForwardCache.size() + trainBackwardCache.size() + inferenceCache.size(); }

}  // namespace rt
