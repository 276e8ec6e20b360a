#pragma once
// Dtype dispatch for kernels: f is called with a value of the C++ type (float or double),
// so one templated CPU implementation serves float32 runs and float64 gradient checks.
#include "engine/tensor.h"

namespace kd {

template <class F>
void dispatch_float(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::F32: f(float{}); return;
    case DType::F64: f(double{}); return;
    default: KD_FAIL(op, ": expected a float32 or float64 tensor, got ", dtype_name(t));
  }
}

// For ops whose CUDA kernel has not landed yet: a clear error rather than a wrong answer.
[[noreturn]] inline void no_device_kernel(const char* op, Device d) {
  KD_FAIL(op, ": no kernel for device ", d.str(), " yet");
}

}  // namespace kd
