// fold_batch_norm on the device: one thread per weight element, so folding the teacher's
// 40 M weights costs one read and one write of them and no host round trip.
#include <algorithm>

#include "engine/cuda/check_cuda.h"
#include "kernels/batchnorm/bn_fold.h"

namespace kd {
namespace {

template <class T>
__global__ void fold_kernel(const T* __restrict__ w, const T* __restrict__ bias, const T* __restrict__ gamma,
                            const T* __restrict__ beta, const T* __restrict__ mean, const T* __restrict__ var,
                            double eps, int64_t O, int64_t per_o, T* __restrict__ w_out, T* __restrict__ b_out) {
  const int64_t n = O * per_o;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = i / per_o;
    const double k = double(gamma[o]) / sqrt(double(var[o]) + eps);
    w_out[i] = w[i] * T(k);
    if (i % per_o == 0) b_out[o] = T(double(beta[o]) + k * ((bias ? double(bias[o]) : 0.0) - double(mean[o])));
  }
}

}  // namespace

template <class T>
void fold_batch_norm_cuda(const T* w, const T* bias, const T* gamma, const T* beta, const T* mean, const T* var,
                          double eps, int64_t O, int64_t per_o, T* w_out, T* b_out) {
  const int64_t n = O * per_o;
  if (n == 0) return;
  const int threads = 256;
  const int64_t blocks = std::min<int64_t>((n + threads - 1) / threads, 8192);
  fold_kernel<T><<<unsigned(blocks), threads>>>(w, bias, gamma, beta, mean, var, eps, O, per_o, w_out, b_out);
  KD_CUDA_LAUNCH_CHECK();
}

template void fold_batch_norm_cuda<float>(const float*, const float*, const float*, const float*, const float*,
                                          const float*, double, int64_t, int64_t, float*, float*);
template void fold_batch_norm_cuda<double>(const double*, const double*, const double*, const double*, const double*,
                                           const double*, double, int64_t, int64_t, double*, double*);

}  // namespace kd
