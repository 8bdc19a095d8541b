// The N-API module: one JS function per kernel, plus setThreads() and info(). Any C++ exception (a bad
// argument, a oneDNN error) becomes a JS Error naming the kernel, never a crash.
#include <omp.h>

#include "kernels.h"

namespace rt {
namespace {

using Kernel = void (*)(Call&);

template <Kernel K>
napi_value invoke(napi_env env, napi_callback_info info, const char* name) {
  try {
    Call call(env, info, name);
    K(call);
    return call.result;
  } catch (const dnnl::error& e) {
    std::string message = std::string(name) + ": oneDNN error " + std::to_string(static_cast<int>(e.status)) + " (" + e.what() + ")";
    napi_throw_error(env, "ERR_RETHINK_ONEDNN", message.c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, "ERR_RETHINK_NATIVE", e.what());
  }
  return nullptr;
}

#define KERNEL(fn) \
  { #fn, nullptr, [](napi_env env, napi_callback_info info) { return invoke<fn>(env, info, #fn); }, nullptr, nullptr, nullptr, napi_enumerable, nullptr }

void setThreadsKernel(Call& call) {
  double n = call.number(0);
  if (!(n >= 1 && n <= 1024) || n != static_cast<int>(n)) throw ArgError("setThreads: need an integer 1..1024");
  setThreads(static_cast<int>(n));
}

void setProperty(napi_env env, napi_value obj, const char* name, napi_value value) {
  napi_set_named_property(env, obj, name, value);
}

void infoKernel(Call& call) {
  napi_env env = call.env();
  napi_value obj, v;
  napi_create_object(env, &obj);
  const dnnl_version_t* ver = dnnl_version();
  std::string version = std::to_string(ver->major) + "." + std::to_string(ver->minor) + "." + std::to_string(ver->patch);
  napi_create_string_utf8(env, version.c_str(), NAPI_AUTO_LENGTH, &v);
  setProperty(env, obj, "onednnVersion", v);
  napi_create_string_utf8(env, effectiveIsa().c_str(), NAPI_AUTO_LENGTH, &v);
  setProperty(env, obj, "isa", v);
  napi_create_int32(env, threads(), &v);
  setProperty(env, obj, "threads", v);
  napi_create_int32(env, omp_get_max_threads(), &v);
  setProperty(env, obj, "ompMaxThreads", v);
  size_t cached = convCacheSize() + batchNormCacheSize() + poolCacheSize() + matMulCacheSize() + eltwiseCacheSize() +
                  copyCacheSize();
  napi_create_double(env, static_cast<double>(cached), &v);
  setProperty(env, obj, "cachedPrimitives", v);
  call.result = obj;
}

napi_value init(napi_env env, napi_value exports) {
  // One thread until told otherwise: OpenMP's default (all cores) would oversubscribe with several workers.
  setThreads(1);
  napi_property_descriptor props[] = {
      KERNEL(setThreadsKernel),
      KERNEL(infoKernel),
      KERNEL(conv2dForward),
      KERNEL(conv2dBackwardData),
      KERNEL(conv2dBackwardWeights),
      KERNEL(batchNormTrainForward),
      KERNEL(batchNormTrainBackward),
      KERNEL(batchNormInference),
      KERNEL(batchNormWorkspaceBytes),
      KERNEL(pool2dForward),
      KERNEL(avgPool2dBackward),
      KERNEL(maxPool2dBackward),
      KERNEL(matMul),
      KERNEL(unary),
      KERNEL(reluBackward),
      KERNEL(binary),
      KERNEL(reduce),
      KERNEL(concat),
      KERNEL(split),
      KERNEL(slice),
      KERNEL(pad),
      KERNEL(transpose),
      KERNEL(fill),
      KERNEL(adam),
  };
  // Exported without the "Kernel" suffix the two helpers carry to avoid clashing with rt::setThreads/threads.
  props[0].utf8name = "setThreads";
  props[1].utf8name = "info";
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace
}  // namespace rt

NAPI_MODULE(NODE_GYP_MODULE_NAME, rt::init)
