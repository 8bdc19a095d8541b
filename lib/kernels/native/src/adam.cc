// Adam with torch.optim.Adam semantics (lib/train/adam.ts), every variable of a model in one call, updating
// parameters and moments in place. Each step is computed in float32 in the same order as TorchAdam's tfjs ops
// (every op rounded to float32, no fused multiply-add: the build uses -ffp-contract=off), so the result is
// bit-identical to that path on the cpu backend.
#include <cmath>

#include "kernels.h"

namespace rt {

// adam(params[], grads[], m[], v[], [stepSize, beta1, 1-beta1, beta2, 1-beta2, bc2Sqrt, eps, weightDecay])
// The hyper-parameters come already rounded to float32 by the caller, as tfjs rounds scalar operands.
void adam(Call& call) {
  auto params = call.f32List(0), grads = call.f32List(1), ms = call.f32List(2), vs = call.f32List(3);
  auto h = call.f32(4);
  expectSize(h, 8, call.name(), "the hyper-parameters");
  const size_t n = params.size();
  if (grads.size() != n || ms.size() != n || vs.size() != n) throw ArgError("adam: lists of different lengths");
  const float stepSize = h.data[0], b1 = h.data[1], oneMinusB1 = h.data[2], b2 = h.data[3], oneMinusB2 = h.data[4],
              bc2Sqrt = h.data[5], eps = h.data[6], wd = h.data[7];
  for (size_t i = 0; i < n; i++) {
    const int64_t len = static_cast<int64_t>(params[i].size);
    expectSize(grads[i], len, call.name(), "a gradient");
    expectSize(ms[i], len, call.name(), "a first moment");
    expectSize(vs[i], len, call.name(), "a second moment");
    float* p = params[i].data;
    const float* g = grads[i].data;
    float* m = ms[i].data;
    float* v = vs[i].data;
#pragma omp parallel for schedule(static) if (len > (1 << 15))
    for (int64_t j = 0; j < len; j++) {
      float grad = g[j];
      if (wd != 0.f) grad = grad + p[j] * wd;
      const float mj = m[j] * b1 + grad * oneMinusB1;
      const float vj = v[j] * b2 + (grad * grad) * oneMinusB2;
      const float denom = std::sqrt(vj) / bc2Sqrt + eps;
      p[j] = p[j] - (mj / denom) * stepSize;
      m[j] = mj;
      v[j] = vj;
    }
  }
}

}  // namespace rt
