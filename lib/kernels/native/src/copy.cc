// Data movement: concat / split along an axis (seen as [outer, inner_i]), slice, constant pad, transpose (a
// oneDNN reorder between strided descriptions of the same data) and fill.
#include <algorithm>
#include <cstring>

#include "kernels.h"

namespace rt {
namespace {

using namespace dnnl;

constexpr int64_t kParallelBytes = 1 << 18;

ShapeCache<reorder> transposeCache;

std::vector<int64_t> readInts(const Span<int32_t>& p, size_t from, size_t n) {
  return std::vector<int64_t>(p.data + from, p.data + from + n);
}

int64_t product(const std::vector<int64_t>& v) {
  int64_t n = 1;
  for (auto d : v) n *= d;
  return n;
}

/** Calls f(rowIndex, multiIndex) for every row (all axes but the last) of `shape`, in parallel when large. */
template <typename F>
void forEachRow(const std::vector<int64_t>& shape, int64_t bytes, F f) {
  const int r = static_cast<int>(shape.size());
  int64_t rows = 1;
  for (int d = 0; d < r - 1; d++) rows *= shape[d];
#pragma omp parallel for schedule(static) if (bytes > kParallelBytes)
  for (int64_t row = 0; row < rows; row++) {
    int64_t idx[8];
    int64_t rest = row;
    for (int d = r - 2; d >= 0; d--) {
      idx[d] = rest % shape[d];
      rest /= shape[d];
    }
    f(row, idx);
  }
}

/** Argument i as [rank, v_0 ..., v_1 ..., ...]: `count` vectors of `rank` values each. */
std::vector<std::vector<int64_t>> rankedVectors(const Call& call, size_t i, int count) {
  auto p = call.i32(i);
  const int r = p.size > 0 ? p.data[0] : 0;
  if (r < 1 || r > 8) throw ArgError(std::string(call.name()) + ": rank must be 1..8");
  expectSize(p, 1 + count * r, call.name(), "the shape vector");
  std::vector<std::vector<int64_t>> out;
  for (int v = 0; v < count; v++) out.push_back(readInts(p, 1 + v * r, r));
  return out;
}

}  // namespace

namespace {

/**
 * The data movement of concat and split: `whole` is [outer, Σ widths], `pieces[i]` is [outer, widths[i]].
 * Concat copies the pieces into the whole (`intoWhole`), split the whole into the pieces.
 */
void joinCopy(const Call& call, std::vector<Span<float>>& pieces, Span<float> whole, const Span<int32_t>& p, bool intoWhole) {
  expectSize(p, 1 + pieces.size(), call.name(), "the shape vector");
  const int64_t outer = p.data[0];
  int64_t total = 0;
  for (size_t i = 0; i < pieces.size(); i++) {
    expectSize(pieces[i], outer * p.data[1 + i], call.name(), intoWhole ? "an input" : "an output");
    total += p.data[1 + i];
  }
  expectSize(whole, outer * total, call.name(), intoWhole ? "out" : "x");
#pragma omp parallel for schedule(static) if (outer * total * 4 > kParallelBytes)
  for (int64_t o = 0; o < outer; o++) {
    float* row = whole.data + o * total;
    for (size_t i = 0; i < pieces.size(); i++) {
      const int64_t w = p.data[1 + i];
      float* piece = pieces[i].data + o * w;
      if (intoWhole) std::memcpy(row, piece, sizeof(float) * w);
      else std::memcpy(piece, row, sizeof(float) * w);
      row += w;
    }
  }
}

}  // namespace

// concat(inputs[], out, [outer, inner_0, inner_1, ...])
void concat(Call& call) {
  auto inputs = call.f32List(0);
  joinCopy(call, inputs, call.f32(1), call.i32(2), true);
}

// split(x, outputs[], [outer, inner_0, inner_1, ...])
void split(Call& call) {
  auto outputs = call.f32List(1);
  joinCopy(call, outputs, call.f32(0), call.i32(2), false);
}

// slice(x, out, [rank, xShape..., begin..., size...])
void slice(Call& call) {
  auto x = call.f32(0), out = call.f32(1);
  auto v = rankedVectors(call, 2, 3);
  const auto &xs = v[0], &begin = v[1], &size = v[2];
  const int r = static_cast<int>(xs.size());
  expectSize(x, product(xs), call.name(), "x");
  expectSize(out, product(size), call.name(), "out");
  for (int d = 0; d < r; d++) {
    if (begin[d] < 0 || begin[d] + size[d] > xs[d]) throw ArgError("slice: out of bounds");
  }
  if (out.size == 0) return;
  std::vector<int64_t> xStride(r);
  for (int d = r - 1, s = 1; d >= 0; d--) (xStride[d] = s, s *= xs[d]);
  const int64_t w = size[r - 1];
  forEachRow(size, static_cast<int64_t>(out.size) * 4, [&](int64_t row, const int64_t* idx) {
    int64_t off = begin[r - 1];
    for (int d = 0; d < r - 1; d++) off += (idx[d] + begin[d]) * xStride[d];
    std::memcpy(out.data + row * w, x.data + off, sizeof(float) * w);
  });
}

// pad(x, out, [rank, xShape..., before..., after...], value)
void pad(Call& call) {
  auto x = call.f32(0), out = call.f32(1);
  const float value = static_cast<float>(call.number(3));
  auto v = rankedVectors(call, 2, 3);
  const auto &xs = v[0], &before = v[1], &after = v[2];
  const int r = static_cast<int>(xs.size());
  std::vector<int64_t> os(r);
  for (int d = 0; d < r; d++) {
    if (before[d] < 0 || after[d] < 0) throw ArgError("pad: negative padding");
    os[d] = before[d] + xs[d] + after[d];
  }
  expectSize(x, product(xs), call.name(), "x");
  expectSize(out, product(os), call.name(), "out");
  if (out.size == 0) return;
  std::vector<int64_t> xStride(r);
  for (int d = r - 1, s = 1; d >= 0; d--) (xStride[d] = s, s *= xs[d]);
  const int64_t w = os[r - 1];
  forEachRow(os, static_cast<int64_t>(out.size) * 4, [&](int64_t row, const int64_t* idx) {
    float* dst = out.data + row * w;
    int64_t off = 0;
    for (int d = 0; d < r - 1; d++) {
      const int64_t i = idx[d] - before[d];
      if (i < 0 || i >= xs[d]) {
        std::fill(dst, dst + w, value);
        return;
      }
      off += i * xStride[d];
    }
    std::fill(dst, dst + before[r - 1], value);
    std::memcpy(dst + before[r - 1], x.data + off, sizeof(float) * xs[r - 1]);
    std::fill(dst + before[r - 1] + xs[r - 1], dst + w, value);
  });
}

// transpose(x, out, [rank, xShape..., perm...]): out axis d is x axis perm[d].
void transpose(Call& call) {
  auto x = call.f32(0), out = call.f32(1);
  auto v = rankedVectors(call, 2, 2);
  const auto &xs = v[0], &perm = v[1];
  const int r = static_cast<int>(xs.size());
  expectSize(x, product(xs), call.name(), "x");
  expectSize(out, product(xs), call.name(), "out");
  if (out.size == 0) return;
  std::vector<int64_t> xStride(r);
  for (int d = r - 1, s = 1; d >= 0; d--) (xStride[d] = s, s *= xs[d]);
  dims outDims(r), srcStrides(r), dstStrides(r);
  for (int d = 0; d < r; d++) {
    if (perm[d] < 0 || perm[d] >= r) throw ArgError("transpose: bad permutation");
    outDims[d] = xs[perm[d]];
    srcStrides[d] = xStride[perm[d]];
  }
  for (int d = r - 1, s = 1; d >= 0; d--) (dstStrides[d] = s, s *= outDims[d]);
  memory::desc src(outDims, dt::f32, srcStrides), dst(outDims, dt::f32, dstStrides);
  std::vector<int64_t> k = xs;
  k.insert(k.end(), perm.begin(), perm.end());
  auto& prim = transposeCache.get(key("transpose", k), [&] {
    return reorder(reorder::primitive_desc(cpuEngine(), src, cpuEngine(), dst));
  });
  prim.execute(cpuStream(), {{DNNL_ARG_FROM, wrap(src, x.data)}, {DNNL_ARG_TO, wrap(dst, out.data)}});
  cpuStream().wait();
}

// fill(out, value)
void fill(Call& call) {
  auto out = call.f32(0);
  const float value = static_cast<float>(call.number(1));
  const int64_t n = static_cast<int64_t>(out.size);
#pragma omp parallel for schedule(static) if (n * 4 > kParallelBytes)
  for (int64_t i = 0; i < n; i++) out.data[i] = value;
}

size_t copyCacheSize() { return transposeCache.size(); }

}  // namespace rt
