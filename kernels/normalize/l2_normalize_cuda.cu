#include "kernels/normalize/l2_normalize_cuda.h"

#include "engine/cuda/common.cuh"

namespace kd {
namespace {
using namespace cuda;

// One block per row; the squared norm and the backward dot product are block sums in double.
template <class T>
__global__ void l2_normalize_forward_kernel(const T* __restrict__ x, T* __restrict__ y, double* __restrict__ norm,
                                            int64_t n, int64_t d, double eps) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const T* xi = x + i * d;  // (d)
    T* yi = y + i * d;        // (d)
    double ss = 0;
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) ss += double(xi[j]) * double(xi[j]);
    const double nrm = sqrt(block_sum(ss));
    if (threadIdx.x == 0) norm[i] = nrm;
    const double inv = 1.0 / fmax(nrm, eps);
    for (int64_t j = threadIdx.x; j < d; j += blockDim.x) yi[j] = T(double(xi[j]) * inv);
  }
}

template <class T>
__global__ void l2_normalize_backward_kernel(const T* __restrict__ y, const double* __restrict__ norm,
                                             const T* __restrict__ gy, T* __restrict__ gx, int64_t n, int64_t d,
                                             double eps) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const T* yi = y + i * d;    // (d)
    const T* gyi = gy + i * d;  // (d)
    T* gxi = gx + i * d;        // (d)
    const double nrm = norm[i];
    if (nrm > eps) {  // uniform across the block, so the reduction inside is safe
      double dot = 0;
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) dot += double(yi[j]) * double(gyi[j]);
      dot = block_sum(dot);
      const double inv = 1.0 / nrm;
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) gxi[j] = T((double(gyi[j]) - double(yi[j]) * dot) * inv);
    } else {
      for (int64_t j = threadIdx.x; j < d; j += blockDim.x) gxi[j] = T(double(gyi[j]) / eps);
    }
  }
}

}  // namespace

template <class T>
void l2_normalize_forward_cuda(const T* x, T* y, double* norm, int64_t n, int64_t d, double eps) {
  if (n == 0) return;
  KD_LAUNCH(l2_normalize_forward_kernel<T>, grid_rows(n), kThreads, 0, x, y, norm, n, d, eps);
}

template <class T>
void l2_normalize_backward_cuda(const T* y, const double* norm, const T* gy, T* gx, int64_t n, int64_t d, double eps) {
  if (n == 0) return;
  KD_LAUNCH(l2_normalize_backward_kernel<T>, grid_rows(n), kThreads, 0, y, norm, gy, gx, n, d, eps);
}

KD_L2_NORMALIZE_CUDA_INSTANCES(float)
KD_L2_NORMALIZE_CUDA_INSTANCES(double)

}  // namespace kd
