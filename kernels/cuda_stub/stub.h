#pragma once
// The stub library kd_kernels_cuda_stub: linked where kdface is built without CUDA
// (KDFACE_HAVE_CUDA off), it defines every `_cuda` kernel that the kernels' *_cuda.h headers
// declare, with the explicit float/double instantiations the .cu files provide, each throwing
// a clear error. The op wrappers call the kernels through on_device (engine/dispatch.h) and so
// need no `#if KDFACE_HAVE_CUDA`; without CUDA no tensor lives on a CUDA device, so these are
// never reached in practice. engine/cuda_stub.cpp is the same for the runtime.
// conv2d_cudnn_stub.cpp is the same for cuDNN, linked where KDFACE_HAVE_CUDNN is off.
#include "engine/check.h"

namespace kd {

[[noreturn]] inline void built_without_cuda(const char* kernel) {
  KD_FAIL(kernel, ": kdface was built without CUDA");
}

}  // namespace kd
