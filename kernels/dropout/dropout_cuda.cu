#include "kernels/dropout/dropout_cuda.h"

#include "engine/cuda/common.cuh"
#include "kernels/dropout/dropout_mask.h"

namespace kd {
namespace {
using namespace cuda;

// The same expression as the CPU kernel (x * (keep * scale), scale rounded to T on the host),
// so the outputs agree bit for bit, not just the mask.
template <class T>
__global__ void dropout_apply_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, double p, uint64_t seed,
                                     T scale) {
  KD_GRID_STRIDE(i, n) y[i] = x[i] * (T(dropout_keep(seed, i, p)) * scale);
}

}  // namespace

template <class T>
void dropout_apply_cuda(const T* x, T* y, int64_t n, double p, uint64_t seed) {
  if (n == 0) return;
  KD_LAUNCH(dropout_apply_kernel<T>, grid_for(n), kThreads, 0, x, y, n, p, seed, T(1.0 / (1.0 - p)));
}

KD_DROPOUT_CUDA_INSTANCES(float)
KD_DROPOUT_CUDA_INSTANCES(double)

}  // namespace kd
