#pragma once
// CUDA kernels behind l2_normalize.h, mirroring l2_normalize_cpu.h (device pointers, default
// stream). Instantiated for float and double in l2_normalize_cuda.cu.
#include <cstdint>

namespace kd {

template <class T>
void l2_normalize_forward_cuda(const T* x, T* y, double* norm, int64_t n, int64_t d, double eps);
template <class T>
void l2_normalize_backward_cuda(const T* y, const double* norm, const T* gy, T* gx, int64_t n, int64_t d, double eps);

}  // namespace kd
