#include "context.h"

#include <omp.h>

namespace rt {

dnnl::engine& cpuEngine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& cpuStream() {
  static dnnl::stream s(cpuEngine());
  return s;
}

static int g_threads = 1;

void setThreads(int n) {
  g_threads = n < 1 ? 1 : n;
  omp_set_num_threads(g_threads);
}

int threads() { return g_threads; }

std::string effectiveIsa() {
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_mic: return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "isa_all";
  }
}

Relayout::Relayout(const dnnl::memory::desc& user, const dnnl::memory::desc& preferred, bool toUser)
    : needed_(user != preferred), user_(user) {
  if (!needed_) return;
  held_ = dnnl::memory(preferred, cpuEngine());
  reorder_ = toUser ? dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), preferred, cpuEngine(), user))
                    : dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), user, cpuEngine(), preferred));
}

dnnl::memory Relayout::in(const float* userData) {
  dnnl::memory user = wrap(user_, userData);
  if (!needed_) return user;
  reorder_.execute(cpuStream(), user, held_);
  return held_;
}

dnnl::memory Relayout::target(float* userData) { return needed_ ? held_ : wrap(user_, userData); }

void Relayout::out(float* userData) {
  if (!needed_) return;
  dnnl::memory user = wrap(user_, userData);
  reorder_.execute(cpuStream(), held_, user);
}

}  // namespace rt
