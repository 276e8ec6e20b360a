#include "kernels/reduce/reduce_cuda.h"

#include "engine/cuda/common.cuh"

namespace kd {
namespace {
using namespace cuda;

// Pass 1: block b sums a grid-stride share of x into partial[b].
template <class T>
__global__ void sum_partial_kernel(const T* __restrict__ x, int64_t n, double* __restrict__ partial) {
  double acc = 0;
  KD_GRID_STRIDE(i, n) acc += double(x[i]);
  acc = block_sum(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// Pass 2: one block adds the partials.
template <class T>
__global__ void sum_final_kernel(const double* __restrict__ partial, int parts, double scale, T* __restrict__ y) {
  double acc = 0;
  for (int i = threadIdx.x; i < parts; i += blockDim.x) acc += partial[i];
  acc = block_sum(acc);
  if (threadIdx.x == 0) y[0] = T(acc * scale);
}

template <class T>
__global__ void set_scalar_kernel(T* y, double v) {
  y[0] = T(v);
}

template <class T>
__global__ void fill_scaled_kernel(T* __restrict__ gx, int64_t n, const T* __restrict__ g, double scale) {
  const T v = T(double(g[0]) * scale);
  KD_GRID_STRIDE(i, n) gx[i] = v;
}

// Reducing the last dimension: one block per row.
template <class T>
__global__ void sum_rows_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t rows, int64_t R, double scale) {
  for (int64_t o = blockIdx.x; o < rows; o += gridDim.x) {
    const T* xp = x + o * R;
    double acc = 0;
    for (int64_t r = threadIdx.x; r < R; r += blockDim.x) acc += double(xp[r]);
    acc = block_sum(acc);
    if (threadIdx.x == 0) y[o] = T(acc * scale);
  }
}

// inner > 1: one thread per output element; neighbouring threads read neighbouring memory.
template <class T>
__global__ void sum_strided_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t outer, int64_t R,
                                   int64_t inner, double scale) {
  KD_GRID_STRIDE(k, outer * inner) {
    const int64_t o = k / inner, i = k % inner;
    const T* xp = x + o * R * inner + i;
    double acc = 0;
    for (int64_t r = 0; r < R; ++r) acc += double(xp[r * inner]);
    y[k] = T(acc * scale);
  }
}

template <class T>
__global__ void sum_dim_backward_kernel(const T* __restrict__ gy, T* __restrict__ gx, int64_t n, int64_t R,
                                        int64_t inner, T s) {
  KD_GRID_STRIDE(k, n) gx[k] = gy[(k / (R * inner)) * inner + k % inner] * s;
}

}  // namespace

template <class T>
void sum_all_cuda(const T* x, int64_t n, double scale, double empty_value, double* partial, T* y) {
  if (n == 0) {
    KD_LAUNCH(set_scalar_kernel<T>, 1, 1, 0, y, empty_value);
    return;
  }
  const int64_t b = (n + kThreads - 1) / kThreads;
  const int parts = int(b < kSumAllPartials ? b : kSumAllPartials);
  KD_LAUNCH(sum_partial_kernel<T>, parts, kThreads, 0, x, n, partial);
  KD_LAUNCH(sum_final_kernel<T>, 1, kThreads, 0, partial, parts, scale, y);
}

template <class T>
void fill_scaled_cuda(T* gx, int64_t n, const T* g, double scale) {
  if (n == 0) return;
  KD_LAUNCH(fill_scaled_kernel<T>, grid_for(n), kThreads, 0, gx, n, g, scale);
}

template <class T>
void sum_dim_forward_cuda(const T* x, T* y, int64_t outer, int64_t R, int64_t inner, double scale) {
  if (outer * inner == 0) return;
  if (inner == 1)
    KD_LAUNCH(sum_rows_kernel<T>, grid_rows(outer), kThreads, 0, x, y, outer, R, scale);
  else
    KD_LAUNCH(sum_strided_kernel<T>, grid_for(outer * inner), kThreads, 0, x, y, outer, R, inner, scale);
}

template <class T>
void sum_dim_backward_cuda(const T* gy, T* gx, int64_t outer, int64_t R, int64_t inner, double scale) {
  const int64_t n = outer * R * inner;
  if (n == 0) return;
  KD_LAUNCH(sum_dim_backward_kernel<T>, grid_for(n), kThreads, 0, gy, gx, n, R, inner, T(scale));
}

KD_REDUCE_CUDA_INSTANCES(float)
KD_REDUCE_CUDA_INSTANCES(double)

}  // namespace kd
