#include "kernels/matmul/linear_cuda.h"

#include "engine/cuda/check_cuda.h"

namespace kd {
namespace {

unsigned blocks_for(int64_t n) { return unsigned(n < 256 * 4096 ? (n + 255) / 256 : 4096); }

template <class T>
__global__ void bias_rows_kernel(const T* __restrict__ bias, T* __restrict__ y, int64_t N, int64_t out) {
  const int64_t total = N * out;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = bias[i % out];
}

// One thread per column, rows in order: adjacent threads read adjacent columns (coalesced),
// and the sum order is that of the CPU loop, so no atomics and a deterministic result.
template <class T>
__global__ void column_sums_kernel(const T* __restrict__ g, T* __restrict__ db, int64_t N, int64_t out) {
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < out; o += int64_t(gridDim.x) * blockDim.x) {
    T s = T(0);
    for (int64_t i = 0; i < N; ++i) s += g[i * out + o];
    db[o] = s;
  }
}

}  // namespace

template <class T>
void linear_bias_rows_cuda(const T* bias, T* y, int64_t N, int64_t out) {
  if (N * out == 0) return;
  bias_rows_kernel<<<blocks_for(N * out), 256>>>(bias, y, N, out);
  KD_CUDA_LAUNCH_CHECK();
}

template <class T>
void linear_bias_grad_cuda(const T* g, T* db, int64_t N, int64_t out) {
  if (out == 0) return;
  column_sums_kernel<<<blocks_for(out), 256>>>(g, db, N, out);
  KD_CUDA_LAUNCH_CHECK();
}

template void linear_bias_rows_cuda<float>(const float*, float*, int64_t, int64_t);
template void linear_bias_rows_cuda<double>(const double*, double*, int64_t, int64_t);
template void linear_bias_grad_cuda<float>(const float*, float*, int64_t, int64_t);
template void linear_bias_grad_cuda<double>(const double*, double*, int64_t, int64_t);

}  // namespace kd
