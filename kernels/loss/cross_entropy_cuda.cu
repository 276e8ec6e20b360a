#include "engine/cuda/common.cuh"
#include "kernels/loss/batch_mean.cuh"
#include "kernels/loss/loss_cuda.h"

namespace kd {
namespace {
using namespace cuda;

// One block per row: max, then the sum of exp(z - max), both block reductions in double;
// only the row's log-sum-exp is kept, as on the CPU.
template <class T>
__global__ void cross_entropy_forward_kernel(const T* __restrict__ z, const int64_t* __restrict__ labels,
                                             double* __restrict__ lse, double* __restrict__ row_loss, int64_t n,
                                             int64_t c) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const T* zi = z + i * c;  // (c)
    double m = -HUGE_VAL;
    for (int64_t j = threadIdx.x; j < c; j += blockDim.x) m = fmax(m, double(zi[j]));
    const double mx = block_max(m, -HUGE_VAL);
    double s = 0;
    for (int64_t j = threadIdx.x; j < c; j += blockDim.x) s += exp(double(zi[j]) - mx);
    const double l = mx + log(block_sum(s));
    if (threadIdx.x == 0) {
      lse[i] = l;
      row_loss[i] = l - double(zi[labels[i]]);
    }
  }
}

template <class T>
__global__ void cross_entropy_backward_kernel(const T* __restrict__ z, const int64_t* __restrict__ labels,
                                              const double* __restrict__ lse, const T* __restrict__ g,
                                              T* __restrict__ gz, int64_t n, int64_t c) {
  const double scale = double(g[0]) / double(n);
  KD_GRID_STRIDE(k, n * c) {
    const int64_t i = k / c;
    const double p = exp(double(z[k]) - lse[i]);
    // p - 1 formed in double, not from a rounded p
    gz[k] = T((k - i * c == labels[i] ? p - 1.0 : p) * scale);
  }
}

}  // namespace

template <class T>
void cross_entropy_forward_cuda(const T* z, const int64_t* labels, double* lse, double* row_loss, T* loss, int64_t n,
                                int64_t c) {
  KD_LAUNCH(cross_entropy_forward_kernel<T>, grid_rows(n), kThreads, 0, z, labels, lse, row_loss, n, c);
  KD_LAUNCH(batch_mean_kernel<T>, 1, kThreads, 0, row_loss, n, loss);
}

template <class T>
void cross_entropy_backward_cuda(const T* z, const int64_t* labels, const double* lse, const T* g, T* gz, int64_t n,
                                 int64_t c) {
  if (n * c == 0) return;
  KD_LAUNCH(cross_entropy_backward_kernel<T>, grid_for(n * c), kThreads, 0, z, labels, lse, g, gz, n, c);
}

KD_CROSS_ENTROPY_CUDA_INSTANCES(float)
KD_CROSS_ENTROPY_CUDA_INSTANCES(double)

}  // namespace kd
