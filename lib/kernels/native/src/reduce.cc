// Sum / mean / max / min over one contiguous block of axes, seen as [A, R, B] reduced over R (a global average
// pool is [N, H*W, C], a bias gradient [1, N*H*W, C], a loss sum [1, n, 1]). Sums accumulate in double like
// tfjs's cpu backend (JS numbers), so results agree with it to float32 rounding. Written as loops rather than
// oneDNN's reduction primitive, whose float32 accumulators drift by ~1e-5 relative over 1e5-element sums.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels.h"

namespace rt {

namespace {
constexpr int64_t kBlock = 64;

void reduceBlock(int code, const float* x, float* out, int64_t R, int64_t B, int64_t b0, int64_t width) {
  double acc[kBlock];
  if (code <= 1) {
    std::fill(acc, acc + width, 0.0);
    for (int64_t r = 0; r < R; r++) {
      const float* row = x + r * B + b0;
      for (int64_t j = 0; j < width; j++) acc[j] += row[j];
    }
    for (int64_t j = 0; j < width; j++) out[b0 + j] = static_cast<float>(code == 1 ? acc[j] / R : acc[j]);
    return;
  }
  const bool isMax = code == 2;
  float best[kBlock];
  std::fill(best, best + width, isMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity());
  for (int64_t r = 0; r < R; r++) {
    const float* row = x + r * B + b0;
    for (int64_t j = 0; j < width; j++) {
      const float v = row[j];
      // NaN wins, as in tfjs's cpu Max/Min (comparisons with NaN are false, so test it explicitly).
      if (std::isnan(v) || (isMax ? v > best[j] : v < best[j])) best[j] = std::isnan(best[j]) ? best[j] : v;
    }
  }
  std::copy(best, best + width, out + b0);
}
}  // namespace

// reduce(x, out, [A, R, B], code): code 0 sum, 1 mean, 2 max, 3 min.
void reduce(Call& call) {
  auto x = call.f32(0), out = call.f32(1);
  auto p = call.i32(2);
  int code = static_cast<int>(call.number(3));
  if (code < 0 || code > 3) throw ArgError("reduce: unknown op code " + std::to_string(code));
  expectSize(p, 3, call.name(), "the shape [A, R, B]");
  const int64_t A = p.data[0], R = p.data[1], B = p.data[2];
  expectSize(x, A * R * B, call.name(), "x");
  expectSize(out, A * B, call.name(), "out");
  if (R == 0 && code >= 2) throw ArgError("reduce: max/min over an empty axis");
  const int64_t blocks = (B + kBlock - 1) / kBlock;
#pragma omp parallel for collapse(2) schedule(static) if (A * R * B > (1 << 16))
  for (int64_t a = 0; a < A; a++) {
    for (int64_t blk = 0; blk < blocks; blk++) {
      const int64_t b0 = blk * kBlock;
      reduceBlock(code, x.data + a * R * B, out.data + a * B, R, B, b0, std::min(kBlock, B - b0));
    }
  }
}

}  // namespace rt
