// fold_batch_norm on the device: one thread per weight element, so folding the teacher's
// 40 M weights costs one read and one write of them and no host round trip.
#include <algorithm>

#include "engine/cuda/common.cuh"
#include "kernels/batchnorm/batchnorm_cuda.h"  // KD_BN_FOLD_CUDA_INSTANCES
#include "kernels/batchnorm/bn_fold.h"

namespace kd {
namespace {
using namespace cuda;

// One thread per weight element; thread o also writes b_out[o], so the bias is written even
// when the weights are empty (per_o == 0: w of shape (O, 0, kh, kw)), as on the CPU. The bias
// is beta + k (bias - mean) with an explicit multiply and add (mul_rn / add_rn, rounding.cuh):
// nvcc would otherwise contract it to an fma, which the CPU reference does not do.
template <class T>
__global__ void fold_kernel(const T* __restrict__ w, const T* __restrict__ bias, const T* __restrict__ gamma,
                            const T* __restrict__ beta, const T* __restrict__ mean, const T* __restrict__ var,
                            double eps, int64_t O, int64_t per_o, T* __restrict__ w_out, T* __restrict__ b_out) {
  const int64_t n = O * per_o, total = n > O ? n : O;
  KD_GRID_STRIDE(i, total) {
    if (i < n) {
      const int64_t o = i / per_o;
      const double k = double(gamma[o]) / sqrt(double(var[o]) + eps);
      w_out[i] = w[i] * T(k);
    }
    if (i < O) {
      const double k = double(gamma[i]) / sqrt(double(var[i]) + eps);
      b_out[i] = T(add_rn(double(beta[i]), mul_rn(k, (bias ? double(bias[i]) : 0.0) - double(mean[i]))));
    }
  }
}

}  // namespace

template <class T>
void fold_batch_norm_cuda(const T* w, const T* bias, const T* gamma, const T* beta, const T* mean, const T* var,
                          double eps, int64_t O, int64_t per_o, T* w_out, T* b_out) {
  const int64_t n = std::max<int64_t>(O * per_o, O);  // threads: every weight and every bias entry
  if (n == 0) return;
  KD_LAUNCH(fold_kernel<T>, grid_for(n), kThreads, 0, w, bias, gamma, beta, mean, var, eps, O, per_o, w_out, b_out);
}

KD_BN_FOLD_CUDA_INSTANCES(float)
KD_BN_FOLD_CUDA_INSTANCES(double)

}  // namespace kd
