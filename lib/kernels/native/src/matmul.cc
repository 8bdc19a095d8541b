// Batched matrix multiply with tfjs's BatchMatMul semantics (optional transposes, batch broadcast when one
// side has batch 1), optional fused bias over the last axis and ReLU, as one oneDNN matmul primitive; the
// transposes are expressed as strides, so no operand is copied.
#include "kernels.h"

namespace rt {
namespace {

using namespace dnnl;

/** [batchA, batchB, M, K, N, transposeA, transposeB] */
struct MatMulShape {
  int64_t ba, bb, m, k, n, ta, tb;

  memory::desc a() const { return ta ? memory::desc({ba, m, k}, dt::f32, {m * k, 1, m}) : memory::desc({ba, m, k}, dt::f32, {m * k, k, 1}); }
  memory::desc b() const { return tb ? memory::desc({bb, k, n}, dt::f32, {k * n, 1, k}) : memory::desc({bb, k, n}, dt::f32, {k * n, n, 1}); }
  memory::desc c() const { return f32Desc({std::max(ba, bb), m, n}, tag::abc); }
  memory::desc bias() const { return f32Desc({1, 1, n}, tag::abc); }
};

ShapeCache<matmul> cache;

}  // namespace

// matMul(a, b, bias | null, out, [batchA, batchB, M, K, N, transposeA, transposeB], relu)
void matMul(Call& call) {
  auto p = call.i32(4);
  expectSize(p, 7, call.name(), "the shape");
  MatMulShape s{p.data[0], p.data[1], p.data[2], p.data[3], p.data[4], p.data[5], p.data[6]};
  if (s.ba != s.bb && s.ba != 1 && s.bb != 1) throw ArgError("matMul: batch dimensions must match or be 1");
  bool relu = call.number(5) != 0;
  auto a = call.f32(0), b = call.f32(1), out = call.f32(3);
  auto bias = call.f32OrNull(2);
  expectSize(a, s.ba * s.m * s.k, call.name(), "a");
  expectSize(b, s.bb * s.k * s.n, call.name(), "b");
  expectSize(out, std::max(s.ba, s.bb) * s.m * s.n, call.name(), "out");
  if (bias.data) expectSize(bias, s.n, call.name(), "bias");
  auto& prim = cache.get(key("matmul", s.ba, s.bb, s.m, s.k, s.n, s.ta, s.tb, bias.data != nullptr, relu), [&] {
    primitive_attr attr;
    if (relu) {
      post_ops ops;
      ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
      attr.set_post_ops(ops);
    }
    auto d = bias.data ? matmul::desc(s.a(), s.b(), s.bias(), s.c()) : matmul::desc(s.a(), s.b(), s.c());
    return matmul(matmul::primitive_desc(d, attr, cpuEngine()));
  });
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, wrap(s.a(), a.data)},
      {DNNL_ARG_WEIGHTS, wrap(s.b(), b.data)},
      {DNNL_ARG_DST, wrap(s.c(), out.data)},
  };
  if (bias.data) args[DNNL_ARG_BIAS] = wrap(s.bias(), bias.data);
  prim.execute(cpuStream(), args);
  cpuStream().wait();
}

size_t matMulCacheSize() { return cache.size(); }

}  // namespace rt
