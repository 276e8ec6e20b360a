#pragma once
// CUDA kernels behind l2_normalize.h, mirroring l2_normalize_cpu.h (device pointers, default
// stream). Instantiated for float and double in l2_normalize_cuda.cu.
#include <cstdint>

namespace kd {

template <class T>
void l2_normalize_forward_cuda(const T* x, T* y, double* norm, int64_t n, int64_t d, double eps);
template <class T>
void l2_normalize_backward_cuda(const T* y, const double* norm, const T* gy, T* gx, int64_t n, int64_t d, double eps);

// The instantiations l2_normalize_cuda.cu provides; the CPU-only stub (normalize_stub.cpp) provides the same.
#define KD_L2_NORMALIZE_CUDA_INSTANCES(T)                                                              \
  template void l2_normalize_forward_cuda<T>(const T*, T*, double*, int64_t, int64_t, double);         \
  template void l2_normalize_backward_cuda<T>(const T*, const double*, const T*, T*, int64_t, int64_t, \
      double);

}  // namespace kd
