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

// The instantiations batchnorm_cuda.cu provides; the CPU-only stub (batchnorm_stub.cpp) provides the same.
#define KD_BATCHNORM_CUDA_INSTANCES(T)                                                                      \
  template void batch_norm_train_forward_cuda<T>(const T*, const T*, const T*, T*, T*, T*, T*, T*, int64_t, \
      int64_t, int64_t, double, double);                                                                    \
  template void batch_norm_eval_forward_cuda<T>(const T*, const T*, const T*, const T*, const T*, T*, T*,   \
      T*, int64_t, int64_t, int64_t, double);                                                               \
  template void batch_norm_backward_cuda<T>(const T*, const T*, const T*, const T*, const T*, T*, T*, T*,   \
      int64_t, int64_t, int64_t, bool);

// The instantiations bn_fold_cuda.cu provides (fold_batch_norm_cuda is declared in bn_fold.h); the
// CPU-only stub (batchnorm_stub.cpp) provides the same.
#define KD_BN_FOLD_CUDA_INSTANCES(T)                                                                        \
  template void fold_batch_norm_cuda<T>(const T*, const T*, const T*, const T*, const T*, const T*, double, \
      int64_t, int64_t, T*, T*);

}  // namespace kd
