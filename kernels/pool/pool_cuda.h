#pragma once
// CUDA kernels behind pool.h, the same contract as pool_cpu.h: x, gx are (N, C, S) device
// buffers; the max kernels record the first maximum (or first NaN), exactly as the CPU.
#include <cstdint>

namespace kd {

// over S: y, arg (N, C)
template <class T>
void global_avg_pool_forward_cuda(const T* x, T* y, int64_t N, int64_t C, int64_t S);
template <class T>
void global_avg_pool_backward_cuda(const T* gy, T* gx, int64_t N, int64_t C, int64_t S);
template <class T>
void global_max_pool_forward_cuda(const T* x, T* y, int64_t* arg, int64_t N, int64_t C, int64_t S);
template <class T>
void global_max_pool_backward_cuda(const T* gy, const int64_t* arg, T* gx, int64_t N, int64_t C, int64_t S);

// over C: y, arg (N, S)
template <class T>
void channel_mean_forward_cuda(const T* x, T* y, int64_t N, int64_t C, int64_t S);
template <class T>
void channel_mean_backward_cuda(const T* gy, T* gx, int64_t N, int64_t C, int64_t S);
template <class T>
void channel_max_forward_cuda(const T* x, T* y, int64_t* arg, int64_t N, int64_t C, int64_t S);
template <class T>
void channel_max_backward_cuda(const T* gy, const int64_t* arg, T* gx, int64_t N, int64_t C, int64_t S);

// The instantiations pool_cuda.cu provides; the CPU-only stub (pool_stub.cpp) provides the same.
#define KD_POOL_CUDA_INSTANCES(T)                                                                          \
  template void global_avg_pool_forward_cuda<T>(const T*, T*, int64_t, int64_t, int64_t);                  \
  template void global_avg_pool_backward_cuda<T>(const T*, T*, int64_t, int64_t, int64_t);                 \
  template void global_max_pool_forward_cuda<T>(const T*, T*, int64_t*, int64_t, int64_t, int64_t);        \
  template void global_max_pool_backward_cuda<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t); \
  template void channel_mean_forward_cuda<T>(const T*, T*, int64_t, int64_t, int64_t);                     \
  template void channel_mean_backward_cuda<T>(const T*, T*, int64_t, int64_t, int64_t);                    \
  template void channel_max_forward_cuda<T>(const T*, T*, int64_t*, int64_t, int64_t, int64_t);            \
  template void channel_max_backward_cuda<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t);

}  // namespace kd
