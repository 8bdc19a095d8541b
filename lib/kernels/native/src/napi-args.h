// Reading N-API call arguments as the typed values the kernels need, with errors that name the argument.
// Kernels throw ArgError (or dnnl::error); the wrapper in addon.cc turns either into a JS exception.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace rt {

struct ArgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename T>
struct Span {
  T* data = nullptr;
  size_t size = 0;
};

class Call {
 public:
  Call(napi_env env, napi_callback_info info, const char* name) : env_(env), name_(name) {
    argc_ = kMaxArgs;
    check(napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr), "reading arguments");
  }

  size_t count() const { return argc_; }
  bool isNull(size_t i) const {
    napi_valuetype t;
    if (i >= argc_) return true;
    napi_typeof(env_, argv_[i], &t);
    return t == napi_null || t == napi_undefined;
  }

  Span<float> f32(size_t i) const { return typed<float>(i, napi_float32_array, "Float32Array"); }
  Span<int32_t> i32(size_t i) const { return typed<int32_t>(i, napi_int32_array, "Int32Array"); }
  Span<double> f64(size_t i) const { return typed<double>(i, napi_float64_array, "Float64Array"); }
  Span<uint8_t> u8(size_t i) const { return typed<uint8_t>(i, napi_uint8_array, "Uint8Array"); }
  /** A Float32Array or null/undefined (then data == nullptr). */
  Span<float> f32OrNull(size_t i) const { return isNull(i) ? Span<float>{} : f32(i); }

  double number(size_t i) const {
    double v;
    if (napi_get_value_double(env_, arg(i), &v) != napi_ok) fail(i, "a number");
    return v;
  }

  /** A JS array of Float32Arrays. */
  std::vector<Span<float>> f32List(size_t i) const {
    napi_value list = arg(i);
    bool isArray = false;
    napi_is_array(env_, list, &isArray);
    if (!isArray) fail(i, "an array of Float32Array");
    uint32_t n = 0;
    napi_get_array_length(env_, list, &n);
    std::vector<Span<float>> out(n);
    for (uint32_t k = 0; k < n; k++) {
      napi_value item;
      napi_get_element(env_, list, k, &item);
      out[k] = typedOf<float>(item, napi_float32_array, i, "an array of Float32Array");
    }
    return out;
  }

  napi_env env() const { return env_; }
  const char* name() const { return name_; }

  napi_value result = nullptr;

 private:
  static constexpr size_t kMaxArgs = 16;

  napi_value arg(size_t i) const {
    if (i >= argc_) throw ArgError(std::string(name_) + ": missing argument " + std::to_string(i));
    return argv_[i];
  }

  [[noreturn]] void fail(size_t i, const char* what) const {
    throw ArgError(std::string(name_) + ": argument " + std::to_string(i) + " must be " + what);
  }

  void check(napi_status s, const char* what) const {
    if (s != napi_ok) throw ArgError(std::string(name_) + ": N-API failure " + what);
  }

  template <typename T>
  Span<T> typed(size_t i, napi_typedarray_type want, const char* what) const {
    return typedOf<T>(arg(i), want, i, what);
  }

  template <typename T>
  Span<T> typedOf(napi_value v, napi_typedarray_type want, size_t i, const char* what) const {
    bool isTyped = false;
    napi_is_typedarray(env_, v, &isTyped);
    if (!isTyped) fail(i, what);
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    check(napi_get_typedarray_info(env_, v, &type, &length, &data, nullptr, nullptr), "reading a typed array");
    if (type != want) fail(i, what);
    return Span<T>{static_cast<T*>(data), length};
  }

  napi_env env_;
  const char* name_;
  size_t argc_;
  napi_value argv_[kMaxArgs];
};

/** Throws unless `span` holds exactly `n` elements: kernels never trust JS for buffer sizes. */
template <typename T>
void expectSize(const Span<T>& span, size_t n, const char* kernel, const char* what) {
  if (span.size != n) {
    throw ArgError(std::string(kernel) + ": " + what + " has " + std::to_string(span.size) + " elements, expected " +
                   std::to_string(n));
  }
}

}  // namespace rt
