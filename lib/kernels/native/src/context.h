// The process-wide oneDNN engine and stream, the thread count, and a cache of primitives keyed by shape.
#pragma once

#include <dnnl.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace rt {

dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();

void setThreads(int n);
int threads();

/** "avx512_core_bf16", "avx2", ...: the instruction set oneDNN dispatches to on this machine. */
std::string effectiveIsa();

using dims = dnnl::memory::dims;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

inline dnnl::memory::desc f32Desc(const dims& d, tag t) { return dnnl::memory::desc(d, dt::f32, t); }

/** A user buffer wrapped as oneDNN memory without a copy. */
inline dnnl::memory wrap(const dnnl::memory::desc& d, const float* p) {
  return dnnl::memory(d, cpuEngine(), const_cast<float*>(p));
}

inline int32_t floatBits(float f) {
  int32_t i;
  std::memcpy(&i, &f, sizeof i);
  return i;
}

/** Cache key from integers (shapes, strides, flags). */
template <typename... Ts>
std::string key(const char* op, Ts... values) {
  std::string k(op);
  ((k += ':', k += std::to_string(values)), ...);
  return k;
}

inline std::string key(const char* op, const std::vector<int64_t>& values) {
  std::string k(op);
  for (int64_t v : values) (k += ':', k += std::to_string(v));
  return k;
}

/**
 * Primitives (and whatever else an op keeps per shape, e.g. reorder buffers) built once per shape.
 * Creation is the expensive part of oneDNN (it JIT-compiles kernels); execution reuses them. The cache is
 * per thread count because oneDNN picks blockings for the threads it will run with. A long-lived worker that
 * trains many models at many batch sizes would grow it without end, so past kMaxEntries it starts over (a
 * training step of any of the paper's models needs a few hundred).
 */
template <typename Entry>
class ShapeCache {
 public:
  static constexpr size_t kMaxEntries = 4096;

  template <typename Make>
  Entry& get(const std::string& k, Make make) {
    std::string full = k + "@t" + std::to_string(threads());
    auto it = map_.find(full);
    if (it != map_.end()) return *it->second;
    if (map_.size() >= kMaxEntries) map_.clear();
    auto entry = std::make_unique<Entry>(make());
    Entry& ref = *entry;
    map_.emplace(std::move(full), std::move(entry));
    return ref;
  }
  size_t size() const { return map_.size(); }
  void clear() { map_.clear(); }

 private:
  std::unordered_map<std::string, std::unique_ptr<Entry>> map_;
};

/**
 * A buffer in the layout a primitive prefers, filled from (or copied back to) the tfjs layout by a cached
 * reorder. When the layouts agree there is no buffer and no reorder: the user memory is used directly.
 */
class Relayout {
 public:
  Relayout() = default;
  Relayout(const dnnl::memory::desc& user, const dnnl::memory::desc& preferred, bool toUser);
  bool needed() const { return needed_; }
  /** Memory to hand the primitive: `userData` itself, or the held buffer after reordering into it. */
  dnnl::memory in(const float* userData);
  /** Memory for the primitive to write; call out() afterwards to copy it to `userData`. */
  dnnl::memory target(float* userData);
  void out(float* userData);

 private:
  bool needed_ = false;
  dnnl::memory::desc user_;
  dnnl::memory held_;
  dnnl::reorder reorder_;
};

}  // namespace rt
