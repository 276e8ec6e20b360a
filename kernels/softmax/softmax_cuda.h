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

}  // namespace kd
