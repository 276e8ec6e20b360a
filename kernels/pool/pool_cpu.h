#pragma once
// CPU kernels behind pool.h, templated on float / double. x, gx are (N, C, S), S = H * W.
// The max kernels record the index of the first maximum (over S or over C) so the
// backward routes each gradient to exactly one element, as PyTorch does.
#include <cstdint>

namespace kd {

// over S: y, arg (N, C)
template <class T>
void global_avg_pool_forward_cpu(const T* x, T* y, int64_t N, int64_t C, int64_t S);
template <class T>
void global_avg_pool_backward_cpu(const T* gy, T* gx, int64_t N, int64_t C, int64_t S);
template <class T>
void global_max_pool_forward_cpu(const T* x, T* y, int64_t* arg, int64_t N, int64_t C, int64_t S);
template <class T>
void global_max_pool_backward_cpu(const T* gy, const int64_t* arg, T* gx, int64_t N, int64_t C, int64_t S);

// over C: y, arg (N, S)
template <class T>
void channel_mean_forward_cpu(const T* x, T* y, int64_t N, int64_t C, int64_t S);
template <class T>
void channel_mean_backward_cpu(const T* gy, T* gx, int64_t N, int64_t C, int64_t S);
template <class T>
void channel_max_forward_cpu(const T* x, T* y, int64_t* arg, int64_t N, int64_t C, int64_t S);
template <class T>
void channel_max_backward_cpu(const T* gy, const int64_t* arg, T* gx, int64_t N, int64_t C, int64_t S);

}  // namespace kd
