// Element-wise ops: unary functions and the ReLU gradient as oneDNN eltwise primitives, broadcasting binary ops
// as oneDNN binary primitives (oneDNN broadcasts its second operand only; the other cases run a strided loop).
#include <algorithm>
#include <cmath>

#include "kernels.h"

namespace rt {
namespace {

using namespace dnnl;

memory::desc flat(int64_t n) { return f32Desc({n}, tag::a); }

/** The tfjs-side codes of unary ops (lib/kernels/native/kernels/elementwise.ts). */
struct UnaryOp {
  algorithm alg;
  float alpha, beta;
};

UnaryOp unaryOp(int code, float attr) {
  switch (code) {
    case 0: return {algorithm::eltwise_relu, 0.f, 0.f};
    case 1: return {algorithm::eltwise_linear, -1.f, 0.f};  // Neg
    case 2: return {algorithm::eltwise_exp, 0.f, 0.f};
    case 3: return {algorithm::eltwise_log, 0.f, 0.f};
    case 4: return {algorithm::eltwise_sqrt, 0.f, 0.f};
    case 5: return {algorithm::eltwise_square, 0.f, 0.f};
    case 6: return {algorithm::eltwise_abs, 0.f, 0.f};
    case 7: return {algorithm::eltwise_logistic, 0.f, 0.f};  // Sigmoid
    case 8: return {algorithm::eltwise_tanh, 0.f, 0.f};
    case 9: return {algorithm::eltwise_clip_v2, 0.f, 6.f};  // Relu6
    case 10: return {algorithm::eltwise_relu, attr, 0.f};   // LeakyRelu
    case 11: return {algorithm::eltwise_elu, 1.f, 0.f};
    default: throw ArgError("unary: unknown op code " + std::to_string(code));
  }
}

ShapeCache<eltwise_forward> unaryCache;
ShapeCache<eltwise_backward> reluBackwardCache;
ShapeCache<dnnl::binary> binaryCache;

algorithm binaryAlgorithm(int code) {
  switch (code) {
    case 0: return algorithm::binary_add;
    case 1: return algorithm::binary_sub;
    case 2: return algorithm::binary_mul;
    case 3: return algorithm::binary_div;
    case 4: return algorithm::binary_max;
    case 5: return algorithm::binary_min;
    default: throw ArgError("binary: unknown op code " + std::to_string(code));
  }
}

bool commutative(int code) { return code == 0 || code == 2 || code == 4 || code == 5; }

float apply(int code, float a, float b) {
  switch (code) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
    default: return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
  }
}

/** out = a op b with numpy broadcasting, any rank: strides are 0 along broadcast axes. */
void broadcastLoop(int code, const float* a, const float* b, float* out, const std::vector<int64_t>& shape,
                   const std::vector<int64_t>& as, const std::vector<int64_t>& bs) {
  const int r = static_cast<int>(shape.size());
  std::vector<int64_t> sa(r), sb(r);
  int64_t stA = 1, stB = 1, total = 1;
  for (int d = r - 1; d >= 0; d--) {
    sa[d] = as[d] == 1 ? 0 : stA;
    sb[d] = bs[d] == 1 ? 0 : stB;
    stA *= as[d];
    stB *= bs[d];
    total *= shape[d];
  }
  const int64_t inner = r > 0 ? shape[r - 1] : 1;
  const int64_t rows = inner == 0 ? 0 : total / inner;
  const int64_t ia = r > 0 ? sa[r - 1] : 0, ib = r > 0 ? sb[r - 1] : 0;
#pragma omp parallel for schedule(static) if (total > (1 << 16))
  for (int64_t row = 0; row < rows; row++) {
    int64_t offA = 0, offB = 0, rest = row;
    for (int d = r - 2; d >= 0; d--) {
      const int64_t i = rest % shape[d];
      rest /= shape[d];
      offA += i * sa[d];
      offB += i * sb[d];
    }
    float* o = out + row * inner;
    for (int64_t j = 0; j < inner; j++) o[j] = apply(code, a[offA + j * ia], b[offB + j * ib]);
  }
}

memory::desc plainDesc(const std::vector<int64_t>& shape) {
  // Row-major strides; a rank-0 tensor is a 1-element vector.
  if (shape.empty()) return flat(1);
  dims strides(shape.size());
  int64_t s = 1;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return memory::desc(shape, dt::f32, strides);
}

}  // namespace

// unary(x, y, code, attr)
void unary(Call& call) {
  auto x = call.f32(0), y = call.f32(1);
  int code = static_cast<int>(call.number(2));
  float attr = static_cast<float>(call.number(3));
  expectSize(y, x.size, call.name(), "y");
  if (x.size == 0) return;
  UnaryOp op = unaryOp(code, attr);
  int64_t n = static_cast<int64_t>(x.size);
  auto& prim = unaryCache.get(key("unary", code, floatBits(attr), n), [&] {
    eltwise_forward::desc d(prop_kind::forward_inference, op.alg, flat(n), op.alpha, op.beta);
    return eltwise_forward(eltwise_forward::primitive_desc(d, cpuEngine()));
  });
  prim.execute(cpuStream(), {{DNNL_ARG_SRC, wrap(flat(n), x.data)}, {DNNL_ARG_DST, wrap(flat(n), y.data)}});
  cpuStream().wait();
}

// reluBackward(dy, x, dx): dx = x > 0 ? dy : 0
void reluBackward(Call& call) {
  auto dy = call.f32(0), x = call.f32(1), dx = call.f32(2);
  expectSize(x, dy.size, call.name(), "x");
  expectSize(dx, dy.size, call.name(), "dx");
  if (dy.size == 0) return;
  int64_t n = static_cast<int64_t>(dy.size);
  auto& prim = reluBackwardCache.get(key("relu_bwd", n), [&] {
    eltwise_forward::primitive_desc hint(
        eltwise_forward::desc(prop_kind::forward_training, algorithm::eltwise_relu, flat(n), 0.f, 0.f), cpuEngine());
    eltwise_backward::desc d(algorithm::eltwise_relu, flat(n), flat(n), 0.f, 0.f);
    return eltwise_backward(eltwise_backward::primitive_desc(d, cpuEngine(), hint));
  });
  prim.execute(cpuStream(), {{DNNL_ARG_DIFF_DST, wrap(flat(n), dy.data)},
                             {DNNL_ARG_SRC, wrap(flat(n), x.data)},
                             {DNNL_ARG_DIFF_SRC, wrap(flat(n), dx.data)}});
  cpuStream().wait();
}

// binary(a, b, out, [rank, outShape..., aShape..., bShape...], code): shapes padded to one rank with leading 1s.
void binary(Call& call) {
  auto a = call.f32(0), b = call.f32(1), out = call.f32(2);
  auto p = call.i32(3);
  int code = static_cast<int>(call.number(4));
  if (p.size < 1 || p.size != static_cast<size_t>(1 + 3 * p.data[0])) throw ArgError("binary: bad shape vector");
  const int r = p.data[0];
  std::vector<int64_t> shape(p.data + 1, p.data + 1 + r), as(p.data + 1 + r, p.data + 1 + 2 * r),
      bs(p.data + 1 + 2 * r, p.data + 1 + 3 * r);
  auto count = [](const std::vector<int64_t>& s) {
    int64_t n = 1;
    for (auto d : s) n *= d;
    return n;
  };
  expectSize(a, count(as), call.name(), "a");
  expectSize(b, count(bs), call.name(), "b");
  expectSize(out, count(shape), call.name(), "out");
  if (out.size == 0) return;
  algorithm alg = binaryAlgorithm(code);
  const float* src0 = a.data;
  const float* src1 = b.data;
  std::vector<int64_t> s1 = bs;
  if (as != shape) {
    if (bs != shape || !commutative(code)) {
      broadcastLoop(code, a.data, b.data, out.data, shape, as, bs);
      return;
    }
    std::swap(src0, src1);
    s1 = as;
  }
  std::vector<int64_t> k = shape;
  k.insert(k.end(), s1.begin(), s1.end());
  k.push_back(code);
  auto& prim = binaryCache.get(key("binary", k), [&] {
    dnnl::binary::desc d(alg, plainDesc(shape), plainDesc(s1), plainDesc(shape));
    return dnnl::binary(dnnl::binary::primitive_desc(d, cpuEngine()));
  });
  prim.execute(cpuStream(), {{DNNL_ARG_SRC_0, wrap(plainDesc(shape), src0)},
                             {DNNL_ARG_SRC_1, wrap(plainDesc(s1), src1)},
                             {DNNL_ARG_DST, wrap(plainDesc(shape), out.data)}});
  cpuStream().wait();
}

size_t eltwiseCacheSize() { return unaryCache.size() + reluBackwardCache.size() + binaryCache.size(); }

}  // namespace rt
