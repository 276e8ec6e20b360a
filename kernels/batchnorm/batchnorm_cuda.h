#pragma once
// CUDA kernels behind batchnorm.h, the same contract as batchnorm_cpu.h: x, y, gy, gx are
// (N, C, S) device buffers, every per-channel buffer is (C) on the device.
#include <cstdint>

namespace kd {

template <class T>
void batch_norm_train_forward_cuda(const T* x, const T* gamma, const T* beta, T* running_mean, T* running_var,
                                   T* y, T* mean, T* invstd, int64_t N, int64_t C, int64_t S, double momentum,
                                   double eps);

template <class T>
void batch_norm_eval_forward_cuda(const T* x, const T* gamma, const T* beta, const T* running_mean,
                                  const T* running_var, T* y, T* mean, T* invstd, int64_t N, int64_t C, int64_t S,
                                  double eps);

template <class T>
void batch_norm_backward_cuda(const T* x, const T* gamma, const T* mean, const T* invstd, const T* gy, T* gx,
                              T* dgamma, T* dbeta, int64_t N, int64_t C, int64_t S, bool training);

}  // namespace kd
