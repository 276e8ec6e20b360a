#pragma once
// CUDA kernels behind reduce.h, mirroring reduce_cpu.h (device pointers, default stream).
// Instantiated for float and double in reduce_cuda.cu.
#include <cstdint>

namespace kd {

// Partial sums of sum_all_cuda: the caller provides this many doubles of device scratch.
constexpr int64_t kSumAllPartials = 512;

// y[0] = T(scale * sum of the n elements), summed in double in a fixed order (two passes
// through partial[kSumAllPartials]); n == 0 gives y[0] = T(empty_value).
template <class T>
void sum_all_cuda(const T* x, int64_t n, double scale, double empty_value, double* partial, T* y);
// gx[i] = T(double(g[0]) * scale): the backward of sum and mean, g read on the device.
template <class T>
void fill_scaled_cuda(T* gx, int64_t n, const T* g, double scale);

// y = scale * sum over R; x (outer, R, inner), y (outer, inner)
template <class T>
void sum_dim_forward_cuda(const T* x, T* y, int64_t outer, int64_t R, int64_t inner, double scale);
// gx[o, r, i] = scale * gy[o, i]
template <class T>
void sum_dim_backward_cuda(const T* gy, T* gx, int64_t outer, int64_t R, int64_t inner, double scale);

// The instantiations reduce_cuda.cu provides; the CPU-only stub (reduce_stub.cpp) provides the same.
#define KD_REDUCE_CUDA_INSTANCES(T)                                                        \
  template void sum_all_cuda<T>(const T*, int64_t, double, double, double*, T*);           \
  template void fill_scaled_cuda<T>(T*, int64_t, const T*, double);                        \
  template void sum_dim_forward_cuda<T>(const T*, T*, int64_t, int64_t, int64_t, double);  \
  template void sum_dim_backward_cuda<T>(const T*, T*, int64_t, int64_t, int64_t, double);

}  // namespace kd
