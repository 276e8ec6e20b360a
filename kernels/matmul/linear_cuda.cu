#include "kernels/matmul/linear_cuda.h"

#include "engine/cuda/common.cuh"

namespace kd {
namespace {
using namespace cuda;

template <class T>
__global__ void bias_rows_kernel(const T* __restrict__ bias, T* __restrict__ y, int64_t N, int64_t out) {
  const int64_t total = N * out;
  KD_GRID_STRIDE(i, total) y[i] = bias[i % out];
}

// One thread per column, rows in order: adjacent threads read adjacent columns (coalesced),
// and the sum order is that of the CPU loop, so no atomics and a deterministic result.
template <class T>
__global__ void column_sums_kernel(const T* __restrict__ g, T* __restrict__ db, int64_t N, int64_t out) {
  KD_GRID_STRIDE(o, out) {
    T s = T(0);
    for (int64_t i = 0; i < N; ++i) s += g[i * out + o];
    db[o] = s;
  }
}

}  // namespace

template <class T>
void linear_bias_rows_cuda(const T* bias, T* y, int64_t N, int64_t out) {
  if (N * out == 0) return;
  KD_LAUNCH(bias_rows_kernel<T>, grid_for(N * out), kThreads, 0, bias, y, N, out);
}

template <class T>
void linear_bias_grad_cuda(const T* g, T* db, int64_t N, int64_t out) {
  if (out == 0) return;
  KD_LAUNCH(column_sums_kernel<T>, grid_for(out), kThreads, 0, g, db, N, out);
}

KD_LINEAR_CUDA_INSTANCES(float)
KD_LINEAR_CUDA_INSTANCES(double)

}  // namespace kd
