#pragma once
// Dtype and device dispatch for kernels.
//
// dispatch_float: f is called with a value of the C++ type (float or double), so one templated
// CPU implementation serves float32 runs and float64 gradient checks.
//
// on_device: the one seam between an op wrapper and its kernels. The `_cuda` kernels are
// declared in every build; a build without CUDA links kd_kernels_cuda_stub (kernels/cuda_stub/),
// whose definitions throw "<kernel>: kdface was built without CUDA", as engine/cuda_stub.cpp
// does for the runtime. So no wrapper needs `#if KDFACE_HAVE_CUDA`, and every wrapper reaches
// the device kernels the same way:
//
//   on_device(x.device(), "relu", relu_forward_cpu<T>, relu_forward_cuda<T>, x.data<T>(), y.data<T>(), n);
//   on_device(x.device(), "relu", [&] { ... CPU ... }, [&] { ... CUDA ... });
//
// cpu(args...) runs on a CPU device, cuda(args...) on a CUDA one, and whatever it returns is
// returned; any other device type (there is none today) is no_device_kernel(op, d).
#include <utility>

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

// A device with no kernel for an op: a clear error rather than a wrong answer.
[[noreturn]] inline void no_device_kernel(const char* op, Device d) {
  KD_FAIL(op, ": no kernel for device ", d.str(), " yet");
}

template <class Cpu, class Cuda, class... Args>
decltype(auto) on_device(Device d, const char* op, Cpu&& cpu, Cuda&& cuda, Args&&... args) {
  switch (d.type) {
    case DeviceType::CPU: return std::forward<Cpu>(cpu)(std::forward<Args>(args)...);
    case DeviceType::CUDA: return std::forward<Cuda>(cuda)(std::forward<Args>(args)...);
  }
  no_device_kernel(op, d);
}

}  // namespace kd
