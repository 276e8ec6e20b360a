#include "kernels/softmax/softmax_cuda.h"

#include <cmath>

#include "engine/cuda/common.cuh"

namespace kd {
namespace {
using namespace cuda;

// Row maximum and sum of exp(v - max) of the block's row in one read of z: each thread keeps
// a running (max, sum) and rescales its sum when its max grows (the online softmax), then the
// block combines them. In double, like the CPU kernel.
template <class T>
__device__ void row_max_sum(const T* zi, int64_t c, double inv_t, double& mx, double& sum) {
  double m = -HUGE_VAL, s = 0;
  for (int64_t j = threadIdx.x; j < c; j += blockDim.x) {
    const double v = double(zi[j]) * inv_t;
    if (v > m) {
      s = s * exp(m - v) + 1.0;
      m = v;
    } else if (v != -HUGE_VAL) {  // -inf adds exp(-inf) = 0; exp(v - m) would be NaN while m = -inf
      s += exp(v - m);
    }
  }
  mx = block_max(m, -HUGE_VAL);
  // A thread that saw no element (or only -inf) has s == 0 and contributes nothing.
  sum = block_sum(s == 0 ? 0.0 : s * exp(m - mx));
}

template <class T>
__global__ void softmax_forward_kernel(const T* __restrict__ z, T* __restrict__ y, int64_t n, int64_t c, double inv_t,
                                       bool log) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const T* zi = z + i * c;  // (c)
    T* yi = y + i * c;        // (c)
    double mx, sum;
    row_max_sum(zi, c, inv_t, mx, sum);
    if (log) {
      const double lse = mx + ::log(sum);
      for (int64_t j = threadIdx.x; j < c; j += blockDim.x) yi[j] = T(double(zi[j]) * inv_t - lse);
    } else {
      const double inv = 1.0 / sum;
      for (int64_t j = threadIdx.x; j < c; j += blockDim.x) yi[j] = T(exp(double(zi[j]) * inv_t - mx) * inv);
    }
  }
}

template <class T>
__global__ void softmax_backward_kernel(const T* __restrict__ y, const T* __restrict__ gy, T* __restrict__ gz,
                                        int64_t n, int64_t c, double inv_t) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const T* yi = y + i * c;    // (c)
    const T* gyi = gy + i * c;  // (c)
    T* gzi = gz + i * c;        // (c)
    double dot = 0;
    for (int64_t j = threadIdx.x; j < c; j += blockDim.x) dot += double(yi[j]) * double(gyi[j]);
    dot = block_sum(dot);
    for (int64_t j = threadIdx.x; j < c; j += blockDim.x) gzi[j] = T(inv_t * double(yi[j]) * (double(gyi[j]) - dot));
  }
}

template <class T>
__global__ void log_softmax_backward_kernel(const T* __restrict__ ly, const T* __restrict__ gy, T* __restrict__ gz,
                                            int64_t n, int64_t c, double inv_t) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const T* lyi = ly + i * c;  // (c)
    const T* gyi = gy + i * c;  // (c)
    T* gzi = gz + i * c;        // (c)
    double sum = 0;
    for (int64_t j = threadIdx.x; j < c; j += blockDim.x) sum += double(gyi[j]);
    sum = block_sum(sum);
    for (int64_t j = threadIdx.x; j < c; j += blockDim.x)
      gzi[j] = T(inv_t * (double(gyi[j]) - exp(double(lyi[j])) * sum));
  }
}

}  // namespace

template <class T>
void softmax_forward_cuda(const T* z, T* y, int64_t n, int64_t c, double inv_t, bool log) {
  if (n == 0 || c == 0) return;
  KD_LAUNCH(softmax_forward_kernel<T>, grid_rows(n), kThreads, 0, z, y, n, c, inv_t, log);
}

template <class T>
void softmax_backward_cuda(const T* y, const T* gy, T* gz, int64_t n, int64_t c, double inv_t) {
  if (n == 0 || c == 0) return;
  KD_LAUNCH(softmax_backward_kernel<T>, grid_rows(n), kThreads, 0, y, gy, gz, n, c, inv_t);
}

template <class T>
void log_softmax_backward_cuda(const T* ly, const T* gy, T* gz, int64_t n, int64_t c, double inv_t) {
  if (n == 0 || c == 0) return;
  KD_LAUNCH(log_softmax_backward_kernel<T>, grid_rows(n), kThreads, 0, ly, gy, gz, n, c, inv_t);
}

KD_SOFTMAX_CUDA_INSTANCES(float)
KD_SOFTMAX_CUDA_INSTANCES(double)

}  // namespace kd
