// 2-D convolution, NHWC activations, tfjs filters [KH, KW, IC, OC] (oneDNN "hwio"): forward with fused bias and
// ReLU, backward-data and backward-weights (with the bias gradient). oneDNN chooses the weight layout
// ("any"); weights are reordered into it from tfjs's layout (and gradients back), everything else is used in
// place on the tfjs buffers.
#include "kernels.h"

namespace rt {
namespace {

using namespace dnnl;

/** The conv geometry from the TS side: [N,H,W,C, KH,KW,OC, OH,OW, sh,sw, dh,dw, pt,pl,pb,pr]. */
struct ConvGeometry {
  int64_t n, h, w, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr;

  static ConvGeometry read(const Call& call, size_t i) {
    auto p = call.i32(i);
    expectSize(p, 17, call.name(), "the geometry");
    const int32_t* v = p.data;
    ConvGeometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16]};
    return g;
  }

  std::vector<int64_t> values() const { return {n, h, w, c, kh, kw, oc, oh, ow, sh, sw, dh, dw, pt, pl, pb, pr}; }
  size_t srcSize() const { return n * h * w * c; }
  size_t dstSize() const { return n * oh * ow * oc; }
  size_t weightsSize() const { return kh * kw * c * oc; }
  memory::desc src() const { return f32Desc({n, c, h, w}, tag::nhwc); }
  memory::desc dst() const { return f32Desc({n, oc, oh, ow}, tag::nhwc); }
  memory::desc userWeights() const { return f32Desc({oc, c, kh, kw}, tag::hwio); }
  memory::desc anyWeights() const { return memory::desc({oc, c, kh, kw}, dt::f32, tag::any); }
  memory::desc bias() const { return f32Desc({oc}, tag::a); }
  dims strides() const { return {sh, sw}; }
  dims dilations() const { return {dh - 1, dw - 1}; }
  dims padL() const { return {pt, pl}; }
  dims padR() const { return {pb, pr}; }

  convolution_forward::desc forwardDesc(prop_kind kind, bool withBias) const {
    if (withBias) {
      return convolution_forward::desc(kind, algorithm::convolution_direct, src(), anyWeights(), bias(), dst(),
                                       strides(), dilations(), padL(), padR());
    }
    return convolution_forward::desc(kind, algorithm::convolution_direct, src(), anyWeights(), dst(), strides(),
                                     dilations(), padL(), padR());
  }

  /** The forward primitive descriptor the backward passes are derived from (oneDNN's "hint"). */
  convolution_forward::primitive_desc hint() const {
    return convolution_forward::primitive_desc(forwardDesc(prop_kind::forward_training, false), cpuEngine());
  }
};

struct ConvForward {
  convolution_forward prim;
  Relayout weights;
};

struct ConvBackwardData {
  convolution_backward_data prim;
  Relayout weights;
};

struct ConvBackwardWeights {
  convolution_backward_weights prim;
  Relayout diffWeights;
};

ShapeCache<ConvForward> forwardCache;
ShapeCache<ConvBackwardData> backwardDataCache;
ShapeCache<ConvBackwardWeights> backwardWeightsCache;

}  // namespace

// conv2dForward(x, filter, bias | null, y, geometry, relu)
void conv2dForward(Call& call) {
  auto g = ConvGeometry::read(call, 4);
  auto x = call.f32(0), w = call.f32(1), y = call.f32(3);
  auto bias = call.f32OrNull(2);
  bool relu = call.number(5) != 0;
  expectSize(x, g.srcSize(), call.name(), "x");
  expectSize(w, g.weightsSize(), call.name(), "filter");
  expectSize(y, g.dstSize(), call.name(), "y");
  if (bias.data) expectSize(bias, g.oc, call.name(), "bias");
  std::vector<int64_t> k = g.values();
  k.push_back(bias.data != nullptr);
  k.push_back(relu);
  auto& e = forwardCache.get(key("conv_fwd", k), [&] {
    primitive_attr attr;
    if (relu) {
      post_ops ops;
      ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      attr.set_post_ops(ops);
    }
    convolution_forward::primitive_desc pd(g.forwardDesc(prop_kind::forward_inference, bias.data != nullptr), attr,
                                           cpuEngine());
    return ConvForward{convolution_forward(pd), Relayout(g.userWeights(), pd.weights_desc(), false)};
  });
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(g.src(), x.data)},
      {DNNL_ARG_WEIGHTS, e.weights.in(w.data)},
      {DNNL_ARG_DST, wrap(g.dst(), y.data)},
  };
  if (bias.data) args[DNNL_ARG_BIAS] = wrap(g.bias(), bias.data);
  e.prim.execute(cpuStream(), args);
  cpuStream().wait();
}

// conv2dBackwardData(dy, filter, dx, geometry)
void conv2dBackwardData(Call& call) {
  auto g = ConvGeometry::read(call, 3);
  auto dy = call.f32(0), w = call.f32(1), dx = call.f32(2);
  expectSize(dy, g.dstSize(), call.name(), "dy");
  expectSize(w, g.weightsSize(), call.name(), "filter");
  expectSize(dx, g.srcSize(), call.name(), "dx");
  auto& e = backwardDataCache.get(key("conv_bwd_data", g.values()), [&] {
    convolution_backward_data::desc d(algorithm::convolution_direct, g.src(), g.anyWeights(), g.dst(), g.strides(),
                                      g.dilations(), g.padL(), g.padR());
    convolution_backward_data::primitive_desc pd(d, cpuEngine(), g.hint());
    return ConvBackwardData{convolution_backward_data(pd), Relayout(g.userWeights(), pd.weights_desc(), false)};
  });
  e.prim.execute(cpuStream(), {
                                  {DNNL_ARG_DIFF_DST, wrap(g.dst(), dy.data)},
                                  {DNNL_ARG_WEIGHTS, e.weights.in(w.data)},
                                  {DNNL_ARG_DIFF_SRC, wrap(g.src(), dx.data)},
                              });
  cpuStream().wait();
}

// conv2dBackwardWeights(x, dy, dw, dbias | null, geometry)
void conv2dBackwardWeights(Call& call) {
  auto g = ConvGeometry::read(call, 4);
  auto x = call.f32(0), dy = call.f32(1), dw = call.f32(2);
  auto dbias = call.f32OrNull(3);
  expectSize(x, g.srcSize(), call.name(), "x");
  expectSize(dy, g.dstSize(), call.name(), "dy");
  expectSize(dw, g.weightsSize(), call.name(), "dw");
  if (dbias.data) expectSize(dbias, g.oc, call.name(), "dbias");
  std::vector<int64_t> k = g.values();
  k.push_back(dbias.data != nullptr);
  auto& e = backwardWeightsCache.get(key("conv_bwd_weights", k), [&] {
    auto make = [&](bool withBias) {
      if (withBias) {
        return convolution_backward_weights::desc(algorithm::convolution_direct, g.src(), g.anyWeights(), g.bias(),
                                                  g.dst(), g.strides(), g.dilations(), g.padL(), g.padR());
      }
      return convolution_backward_weights::desc(algorithm::convolution_direct, g.src(), g.anyWeights(), g.dst(),
                                                g.strides(), g.dilations(), g.padL(), g.padR());
    };
    convolution_backward_weights::primitive_desc pd(make(dbias.data != nullptr), cpuEngine(), g.hint());
    return ConvBackwardWeights{convolution_backward_weights(pd),
                               Relayout(g.userWeights(), pd.diff_weights_desc(), true)};
  });
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(g.src(), x.data)},
      {DNNL_ARG_DIFF_DST, wrap(g.dst(), dy.data)},
      {DNNL_ARG_DIFF_WEIGHTS, e.diffWeights.target(dw.data)},
  };
  if (dbias.data) args[DNNL_ARG_DIFF_BIAS] = wrap(g.bias(), dbias.data);
  e.prim.execute(cpuStream(), args);
  e.diffWeights.out(dw.data);
  cpuStream().wait();
}

size_t convCacheSize() { return forwardCache.size() + backwardDataCache.size() + backwardWeightsCache.size(); }

}  // namespace rt
