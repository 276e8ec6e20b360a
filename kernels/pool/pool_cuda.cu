// Global pooling reduces a row of S pixels: one warp per (n, c) row, lanes striding the row,
// a shuffle tree to combine (fixed order, no atomics). Channel pooling reduces C values at
// each pixel: one thread per (n, s), channels in order, which is the CPU's loop exactly.
// Backward kernels are one thread per gradient element, so every element is written.
#include "kernels/pool/pool_cuda.h"

#include "engine/cuda/check_cuda.h"
#include "kernels/reduce/block_reduce.cuh"

namespace kd {
namespace {

constexpr int kThreads = 256;
constexpr int kWarpsPerBlock = kThreads / 32;

unsigned blocks_for(int64_t n) { return unsigned(n < kThreads * 4096 ? (n + kThreads - 1) / kThreads : 4096); }
unsigned warp_blocks_for(int64_t rows) {
  const int64_t b = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  return unsigned(b < 65535 * 16 ? b : 65535 * 16);
}

// The CPU's rule (pool_cpu.cpp): strictly greater wins, so ties keep the first index; a NaN
// takes over a number.
template <class T>
__device__ inline bool takes_over(T v, T cur) {
  return v > cur || (v != v && cur == cur);
}

// Combining two lanes' candidates: lanes scan disjoint index sets, so "first" must compare
// indices. A lane with no element carries index -1 and always loses.
template <class T>
__device__ inline bool beats(T v, int64_t i, T cur, int64_t ci) {
  if (i < 0) return false;
  if (ci < 0) return true;
  const bool vn = v != v, cn = cur != cur;
  if (vn || cn) return vn && (!cn || i < ci);
  return v > cur || (v == cur && i < ci);
}

template <class T>
__global__ void global_avg_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t rows, int64_t S) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = int64_t(blockIdx.x) * kWarpsPerBlock + (threadIdx.x >> 5); r < rows;
       r += int64_t(gridDim.x) * kWarpsPerBlock) {
    const T* xp = x + r * S;
    double s = 0;  // the CPU sums in double too
    for (int64_t i = lane; i < S; i += 32) s += double(xp[i]);
    s = cuda_detail::warp_sum(s);
    if (lane == 0) y[r] = T(s / double(S));
  }
}

template <class T>
__global__ void global_avg_backward_kernel(const T* __restrict__ gy, T* __restrict__ gx, int64_t total, int64_t S) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x)
    gx[i] = T(double(gy[i / S]) / double(S));
}

template <class T>
__global__ void global_max_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ arg,
                                  int64_t rows, int64_t S) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = int64_t(blockIdx.x) * kWarpsPerBlock + (threadIdx.x >> 5); r < rows;
       r += int64_t(gridDim.x) * kWarpsPerBlock) {
    const T* xp = x + r * S;
    T best = T(0);
    int64_t bi = -1;
    for (int64_t i = lane; i < S; i += 32) {  // ascending within the lane: takes_over keeps the first
      const T v = xp[i];
      if (bi < 0 || takes_over(v, best)) {
        best = v;
        bi = i;
      }
    }
    for (int off = 16; off > 0; off >>= 1) {
      const T ov = __shfl_down_sync(0xffffffffu, best, off);
      const int64_t oi = __shfl_down_sync(0xffffffffu, bi, off);
      if (beats(ov, oi, best, bi)) {
        best = ov;
        bi = oi;
      }
    }
    if (lane == 0) {
      y[r] = best;
      arg[r] = bi;
    }
  }
}

template <class T>
__global__ void global_max_backward_kernel(const T* __restrict__ gy, const int64_t* __restrict__ arg,
                                           T* __restrict__ gx, int64_t total, int64_t S) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / S;
    gx[i] = i % S == arg[r] ? gy[r] : T(0);
  }
}

template <class T>
__global__ void channel_mean_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t N, int64_t C, int64_t S) {
  const int64_t total = N * S;
  const T inv = T(1.0 / double(C));
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const T* xp = x + (i / S) * C * S + i % S;
    T acc = xp[0];
    for (int64_t c = 1; c < C; ++c) acc += xp[c * S];
    y[i] = acc * inv;
  }
}

template <class T>
__global__ void channel_mean_backward_kernel(const T* __restrict__ gy, T* __restrict__ gx, int64_t N, int64_t C,
                                             int64_t S) {
  const int64_t total = N * C * S;
  const T inv = T(1.0 / double(C));
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x)
    gx[i] = gy[(i / (C * S)) * S + i % S] * inv;
}

template <class T>
__global__ void channel_max_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ arg, int64_t N,
                                   int64_t C, int64_t S) {
  const int64_t total = N * S;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const T* xp = x + (i / S) * C * S + i % S;
    T best = xp[0];
    int64_t bc = 0;
    for (int64_t c = 1; c < C; ++c) {
      const T v = xp[c * S];
      if (takes_over(v, best)) {
        best = v;
        bc = c;
      }
    }
    y[i] = best;
    arg[i] = bc;
  }
}

template <class T>
__global__ void channel_max_backward_kernel(const T* __restrict__ gy, const int64_t* __restrict__ arg,
                                            T* __restrict__ gx, int64_t N, int64_t C, int64_t S) {
  const int64_t total = N * C * S;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t n = i / (C * S), c = (i / S) % C, s = i % S;
    gx[i] = arg[n * S + s] == c ? gy[n * S + s] : T(0);
  }
}

}  // namespace

template <class T>
void global_avg_pool_forward_cuda(const T* x, T* y, int64_t N, int64_t C, int64_t S) {
  if (N * C == 0) return;
  global_avg_kernel<T><<<warp_blocks_for(N * C), kThreads>>>(x, y, N * C, S);
  KD_CUDA_LAUNCH_CHECK();
}

template <class T>
void global_avg_pool_backward_cuda(const T* gy, T* gx, int64_t N, int64_t C, int64_t S) {
  if (N * C * S == 0) return;
  global_avg_backward_kernel<T><<<blocks_for(N * C * S), kThreads>>>(gy, gx, N * C * S, S);
  KD_CUDA_LAUNCH_CHECK();
}

template <class T>
void global_max_pool_forward_cuda(const T* x, T* y, int64_t* arg, int64_t N, int64_t C, int64_t S) {
  if (N * C == 0) return;
  global_max_kernel<T><<<warp_blocks_for(N * C), kThreads>>>(x, y, arg, N * C, S);
  KD_CUDA_LAUNCH_CHECK();
}

template <class T>
void global_max_pool_backward_cuda(const T* gy, const int64_t* arg, T* gx, int64_t N, int64_t C, int64_t S) {
  if (N * C * S == 0) return;
  global_max_backward_kernel<T><<<blocks_for(N * C * S), kThreads>>>(gy, arg, gx, N * C * S, S);
  KD_CUDA_LAUNCH_CHECK();
}

template <class T>
void channel_mean_forward_cuda(const T* x, T* y, int64_t N, int64_t C, int64_t S) {
  if (N * S == 0) return;
  channel_mean_kernel<T><<<blocks_for(N * S), kThreads>>>(x, y, N, C, S);
  KD_CUDA_LAUNCH_CHECK();
}

template <class T>
void channel_mean_backward_cuda(const T* gy, T* gx, int64_t N, int64_t C, int64_t S) {
  if (N * C * S == 0) return;
  channel_mean_backward_kernel<T><<<blocks_for(N * C * S), kThreads>>>(gy, gx, N, C, S);
  KD_CUDA_LAUNCH_CHECK();
}

template <class T>
void channel_max_forward_cuda(const T* x, T* y, int64_t* arg, int64_t N, int64_t C, int64_t S) {
  if (N * S == 0) return;
  channel_max_kernel<T><<<blocks_for(N * S), kThreads>>>(x, y, arg, N, C, S);
  KD_CUDA_LAUNCH_CHECK();
}

template <class T>
void channel_max_backward_cuda(const T* gy, const int64_t* arg, T* gx, int64_t N, int64_t C, int64_t S) {
  if (N * C * S == 0) return;
  channel_max_backward_kernel<T><<<blocks_for(N * C * S), kThreads>>>(gy, arg, gx, N, C, S);
  KD_CUDA_LAUNCH_CHECK();
}

#define KD_INSTANTIATE(T)                                                                            \
  template void global_avg_pool_forward_cuda<T>(const T*, T*, int64_t, int64_t, int64_t);            \
  template void global_avg_pool_backward_cuda<T>(const T*, T*, int64_t, int64_t, int64_t);           \
  template void global_max_pool_forward_cuda<T>(const T*, T*, int64_t*, int64_t, int64_t, int64_t);  \
  template void global_max_pool_backward_cuda<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t); \
  template void channel_mean_forward_cuda<T>(const T*, T*, int64_t, int64_t, int64_t);               \
  template void channel_mean_backward_cuda<T>(const T*, T*, int64_t, int64_t, int64_t);              \
  template void channel_max_forward_cuda<T>(const T*, T*, int64_t*, int64_t, int64_t, int64_t);      \
  template void channel_max_backward_cuda<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
