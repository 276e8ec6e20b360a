// Global pooling reduces a row of S pixels: one warp per (n, c) row, lanes striding the row,
// a shuffle tree to combine (fixed order, no atomics). Channel pooling reduces C values at
// each pixel: one thread per (n, s), channels in order, which is the CPU's loop exactly.
// Backward kernels are one thread per gradient element, so every element is written.
#include "kernels/pool/pool_cuda.h"

#include "engine/cuda/common.cuh"

namespace kd {
namespace {
using namespace cuda;

// Maxima follow the CPU's rule (pool_cpu.cpp): strictly greater wins, so ties keep the first
// index; a NaN takes over a number (argmax_takes_over / argmax_beats / warp_argmax,
// engine/cuda/reduce.cuh).

template <class T>
__global__ void global_avg_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t rows, int64_t S) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5); r < rows; r += int64_t(gridDim.x) * kWarps) {
    const T* xp = x + r * S;
    double s = 0;  // the CPU sums in double too
    for (int64_t i = lane; i < S; i += 32) s += double(xp[i]);
    s = warp_sum(s);
    if (lane == 0) y[r] = T(s / double(S));
  }
}

template <class T>
__global__ void global_avg_backward_kernel(const T* __restrict__ gy, T* __restrict__ gx, int64_t total, int64_t S) {
  KD_GRID_STRIDE(i, total) gx[i] = T(double(gy[i / S]) / double(S));
}

template <class T>
__global__ void global_max_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ arg,
                                  int64_t rows, int64_t S) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5); r < rows; r += int64_t(gridDim.x) * kWarps) {
    const T* xp = x + r * S;
    T best = T(0);
    int64_t bi = -1;
    // Ascending within the lane: argmax_takes_over keeps the lane's first maximum.
    for (int64_t i = lane; i < S; i += 32) {
      const T v = xp[i];
      if (bi < 0 || argmax_takes_over(v, best)) {
        best = v;
        bi = i;
      }
    }
    warp_argmax(best, bi);
    if (lane == 0) {
      y[r] = best;
      arg[r] = bi;
    }
  }
}

template <class T>
__global__ void global_max_backward_kernel(const T* __restrict__ gy, const int64_t* __restrict__ arg,
                                           T* __restrict__ gx, int64_t total, int64_t S) {
  KD_GRID_STRIDE(i, total) {
    const int64_t r = i / S;
    gx[i] = i % S == arg[r] ? gy[r] : T(0);
  }
}

template <class T>
__global__ void channel_mean_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t N, int64_t C, int64_t S) {
  const int64_t total = N * S;
  const T inv = T(1.0 / double(C));
  KD_GRID_STRIDE(i, total) {
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
  KD_GRID_STRIDE(i, total) gx[i] = gy[(i / (C * S)) * S + i % S] * inv;
}

template <class T>
__global__ void channel_max_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t* __restrict__ arg, int64_t N,
                                   int64_t C, int64_t S) {
  const int64_t total = N * S;
  KD_GRID_STRIDE(i, total) {
    const T* xp = x + (i / S) * C * S + i % S;
    T best = xp[0];
    int64_t bc = 0;
    for (int64_t c = 1; c < C; ++c) {
      const T v = xp[c * S];
      if (argmax_takes_over(v, best)) {
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
  KD_GRID_STRIDE(i, total) {
    const int64_t n = i / (C * S), c = (i / S) % C, s = i % S;
    gx[i] = arg[n * S + s] == c ? gy[n * S + s] : T(0);
  }
}

}  // namespace

template <class T>
void global_avg_pool_forward_cuda(const T* x, T* y, int64_t N, int64_t C, int64_t S) {
  if (N * C == 0) return;
  KD_LAUNCH(global_avg_kernel<T>, warp_grid(N * C), kThreads, 0, x, y, N * C, S);
}

template <class T>
void global_avg_pool_backward_cuda(const T* gy, T* gx, int64_t N, int64_t C, int64_t S) {
  if (N * C * S == 0) return;
  KD_LAUNCH(global_avg_backward_kernel<T>, grid_for(N * C * S), kThreads, 0, gy, gx, N * C * S, S);
}

template <class T>
void global_max_pool_forward_cuda(const T* x, T* y, int64_t* arg, int64_t N, int64_t C, int64_t S) {
  if (N * C == 0) return;
  KD_LAUNCH(global_max_kernel<T>, warp_grid(N * C), kThreads, 0, x, y, arg, N * C, S);
}

template <class T>
void global_max_pool_backward_cuda(const T* gy, const int64_t* arg, T* gx, int64_t N, int64_t C, int64_t S) {
  if (N * C * S == 0) return;
  KD_LAUNCH(global_max_backward_kernel<T>, grid_for(N * C * S), kThreads, 0, gy, arg, gx, N * C * S, S);
}

template <class T>
void channel_mean_forward_cuda(const T* x, T* y, int64_t N, int64_t C, int64_t S) {
  if (N * S == 0) return;
  KD_LAUNCH(channel_mean_kernel<T>, grid_for(N * S), kThreads, 0, x, y, N, C, S);
}

template <class T>
void channel_mean_backward_cuda(const T* gy, T* gx, int64_t N, int64_t C, int64_t S) {
  if (N * C * S == 0) return;
  KD_LAUNCH(channel_mean_backward_kernel<T>, grid_for(N * C * S), kThreads, 0, gy, gx, N, C, S);
}

template <class T>
void channel_max_forward_cuda(const T* x, T* y, int64_t* arg, int64_t N, int64_t C, int64_t S) {
  if (N * S == 0) return;
  KD_LAUNCH(channel_max_kernel<T>, grid_for(N * S), kThreads, 0, x, y, arg, N, C, S);
}

template <class T>
void channel_max_backward_cuda(const T* gy, const int64_t* arg, T* gx, int64_t N, int64_t C, int64_t S) {
  if (N * C * S == 0) return;
  KD_LAUNCH(channel_max_backward_kernel<T>, grid_for(N * C * S), kThreads, 0, gy, arg, gx, N, C, S);
}

KD_POOL_CUDA_INSTANCES(float)
KD_POOL_CUDA_INSTANCES(double)

}  // namespace kd
