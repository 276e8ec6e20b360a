#pragma once
// CUDA kernels behind softmax.h, mirroring softmax_cpu.h (device pointers, default stream).
// Instantiated for float and double in softmax_cuda.cu.
#include <cstdint>

namespace kd {

template <class T>
void softmax_forward_cuda(const T* z, T* y, int64_t n, int64_t c, double inv_t, bool log);
template <class T>
void softmax_backward_cuda(const T* y, const T* gy, T* gz, int64_t n, int64_t c, double inv_t);
template <class T>
void log_softmax_backward_cuda(const T* ly, const T* gy, T* gz, int64_t n, int64_t c, double inv_t);

// The instantiations softmax_cuda.cu provides; the CPU-only stub (softmax_stub.cpp) provides the same.
#define KD_SOFTMAX_CUDA_INSTANCES(T)                                                            \
  template void softmax_forward_cuda<T>(const T*, T*, int64_t, int64_t, double, bool);          \
  template void softmax_backward_cuda<T>(const T*, const T*, T*, int64_t, int64_t, double);     \
  template void log_softmax_backward_cuda<T>(const T*, const T*, T*, int64_t, int64_t, double);

}  // namespace kd
