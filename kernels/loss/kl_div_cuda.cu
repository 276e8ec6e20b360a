#include "engine/cuda/common.cuh"
#include "kernels/loss/batch_mean.cuh"
#include "kernels/loss/loss_cuda.h"

namespace kd {
namespace {
using namespace cuda;

// One block per row: row_sum[i] = sum p (log p - log_q), 0 log 0 = 0.
template <class T>
__global__ void kl_div_rows_kernel(const T* __restrict__ log_q, const T* __restrict__ p, double* __restrict__ row_sum,
                                   int64_t n, int64_t c) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const T* lq = log_q + i * c;  // (c)
    const T* pi = p + i * c;      // (c)
    double s = 0;
    for (int64_t j = threadIdx.x; j < c; j += blockDim.x) {
      const double pj = double(pi[j]);
      // a zero target contributes nothing even where log_q is -inf
      if (pj != 0) s += pj * (log(pj) - double(lq[j]));
    }
    s = block_sum(s);
    if (threadIdx.x == 0) row_sum[i] = s;
  }
}

template <class T>
__global__ void kl_div_backward_kernel(const T* __restrict__ log_q, const T* __restrict__ p, const T* __restrict__ g,
                                       T* __restrict__ g_log_q, T* __restrict__ g_p, int64_t nc, int64_t n) {
  const double scale = double(g[0]) / double(n);
  KD_GRID_STRIDE(k, nc) {
    const double pk = double(p[k]);
    if (g_log_q) g_log_q[k] = T(-pk * scale);
    if (g_p) g_p[k] = T((pk > 0 ? log(pk) + 1 - double(log_q[k]) : -double(log_q[k])) * scale);
  }
}

}  // namespace

template <class T>
void kl_div_forward_cuda(const T* log_q, const T* p, double* row_sum, T* loss, int64_t n, int64_t c) {
  KD_LAUNCH(kl_div_rows_kernel<T>, grid_rows(n), kThreads, 0, log_q, p, row_sum, n, c);
  KD_LAUNCH(batch_mean_kernel<T>, 1, kThreads, 0, row_sum, n, loss);
}

template <class T>
void kl_div_backward_cuda(const T* log_q, const T* p, const T* g, T* g_log_q, T* g_p, int64_t n, int64_t c) {
  if (n * c == 0 || (!g_log_q && !g_p)) return;
  KD_LAUNCH(kl_div_backward_kernel<T>, grid_for(n * c), kThreads, 0, log_q, p, g, g_log_q, g_p, n * c, n);
}

KD_KL_DIV_CUDA_INSTANCES(float)
KD_KL_DIV_CUDA_INSTANCES(double)

}  // namespace kd
