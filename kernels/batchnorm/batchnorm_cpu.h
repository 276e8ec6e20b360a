#pragma once
// CPU kernels behind batchnorm.h, templated on float / double. x, y, gy, gx are (N, C, S)
// with S = H * W (1 for (N, C) input); every per-channel buffer is (C).
#include <cstdint>

namespace kd {

// Training: batch mean and biased variance normalise x; mean and invstd = 1 / sqrt(var + eps)
// are written out for the backward, and the running buffers are updated in place with the
// unbiased variance (M / (M - 1) var, M = N * S), as PyTorch does.
template <class T>
void batch_norm_train_forward_cpu(const T* x, const T* gamma, const T* beta, T* running_mean, T* running_var,
                                  T* y, T* mean, T* invstd, int64_t N, int64_t C, int64_t S, double momentum,
                                  double eps);

// Evaluation: normalise with the running buffers; mean and invstd receive what was used.
template <class T>
void batch_norm_eval_forward_cpu(const T* x, const T* gamma, const T* beta, const T* running_mean,
                                 const T* running_var, T* y, T* mean, T* invstd, int64_t N, int64_t C, int64_t S,
                                 double eps);

// training selects the batch-statistics formula for gx (the mean and variance depend on x);
// otherwise gx = gy gamma invstd. gx, dgamma, dbeta may each be null when not wanted.
template <class T>
void batch_norm_backward_cpu(const T* x, const T* gamma, const T* mean, const T* invstd, const T* gy, T* gx,
                             T* dgamma, T* dbeta, int64_t N, int64_t C, int64_t S, bool training);

}  // namespace kd
