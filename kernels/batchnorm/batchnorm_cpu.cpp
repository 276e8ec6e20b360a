#include "kernels/batchnorm/batchnorm_cpu.h"

#include <cmath>

#include "engine/parallel.h"
#include "kernels/reduce/accumulate.h"

namespace kd {
namespace {

// y = (x - mean) * invstd * gamma + beta for one channel, as y = x * k + b.
template <class T>
void normalise_channel(const T* x, T* y, int64_t N, int64_t C, int64_t S, int64_t c, double mean, double invstd,
                       double gamma, double beta) {
  const T k = T(invstd * gamma), b = T(beta - mean * invstd * gamma);
  for (int64_t n = 0; n < N; ++n) {
    const T* xp = x + (n * C + c) * S;
    T* yp = y + (n * C + c) * S;
    for (int64_t s = 0; s < S; ++s) yp[s] = xp[s] * k + b;
  }
}

}  // namespace

template <class T>
void batch_norm_train_forward_cpu(const T* x, const T* gamma, const T* beta, T* running_mean, T* running_var,
                                  T* y, T* mean, T* invstd, int64_t N, int64_t C, int64_t S, double momentum,
                                  double eps) {
  const int64_t M = N * S;
  // One channel per task; statistics in double, two passes (mean, then squared deviations)
  // so the variance does not suffer the cancellation of E[x^2] - E[x]^2.
  parallel_for(C, [&](int64_t c) {
    double sum = 0;
    for (int64_t n = 0; n < N; ++n) sum += sum_span(x + (n * C + c) * S, S);
    const double mu = sum / double(M);
    double ss = 0;
    for (int64_t n = 0; n < N; ++n) {
      const T* xp = x + (n * C + c) * S;
      ss += sum_map(S, [xp, mu](int64_t s) {
        double d = double(xp[s]) - mu;
        return d * d;
      });
    }
    const double var = ss / double(M);
    const double is = 1.0 / std::sqrt(var + eps);
    mean[c] = T(mu);
    invstd[c] = T(is);
    running_mean[c] = T((1 - momentum) * double(running_mean[c]) + momentum * mu);
    running_var[c] = T((1 - momentum) * double(running_var[c]) + momentum * ss / double(M - 1));
    normalise_channel(x, y, N, C, S, c, mu, is, double(gamma[c]), double(beta[c]));
  }, 2 * M);
}

template <class T>
void batch_norm_eval_forward_cpu(const T* x, const T* gamma, const T* beta, const T* running_mean,
                                 const T* running_var, T* y, T* mean, T* invstd, int64_t N, int64_t C, int64_t S,
                                 double eps) {
  parallel_for(C, [&](int64_t c) {
    const double mu = running_mean[c], is = 1.0 / std::sqrt(double(running_var[c]) + eps);
    mean[c] = T(mu);
    invstd[c] = T(is);
    normalise_channel(x, y, N, C, S, c, mu, is, double(gamma[c]), double(beta[c]));
  }, N * S);
}

template <class T>
void batch_norm_backward_cpu(const T* x, const T* gamma, const T* mean, const T* invstd, const T* gy, T* gx,
                             T* dgamma, T* dbeta, int64_t N, int64_t C, int64_t S, bool training) {
  const int64_t M = N * S;
  parallel_for(C, [&](int64_t c) {
    const double mu = mean[c], is = invstd[c], g = gamma[c];
    // sum gy and sum gy * xhat, xhat = (x - mean) invstd
    double sg = 0, sgx = 0;
    for (int64_t n = 0; n < N; ++n) {
      const T* xp = x + (n * C + c) * S;
      const T* gp = gy + (n * C + c) * S;
      sg += sum_span(gp, S);
      sgx += sum_map(S, [xp, gp, mu](int64_t s) { return double(gp[s]) * (double(xp[s]) - mu); });
    }
    sgx *= is;
    if (dbeta) dbeta[c] = T(sg);
    if (dgamma) dgamma[c] = T(sgx);
    if (!gx) return;
    // training: gx = gamma invstd (gy - mean(gy) - xhat mean(gy xhat)), written as
    // gx = gy * k + x * kx + b with per-channel constants
    const double k = g * is;
    double kx = 0, b = 0;
    if (training) {
      kx = -k * is * sgx / double(M);
      b = -k * sg / double(M) - kx * mu;
    }
    const T tk = T(k), tkx = T(kx), tb = T(b);
    for (int64_t n = 0; n < N; ++n) {
      const T* xp = x + (n * C + c) * S;
      const T* gp = gy + (n * C + c) * S;
      T* dp = gx + (n * C + c) * S;
      for (int64_t s = 0; s < S; ++s) dp[s] = gp[s] * tk + xp[s] * tkx + tb;
    }
  }, 2 * M);
}

#define KD_INSTANTIATE(T)                                                                                       \
  template void batch_norm_train_forward_cpu<T>(const T*, const T*, const T*, T*, T*, T*, T*, T*, int64_t,      \
                                                int64_t, int64_t, double, double);                              \
  template void batch_norm_eval_forward_cpu<T>(const T*, const T*, const T*, const T*, const T*, T*, T*, T*,    \
                                               int64_t, int64_t, int64_t, double);                              \
  template void batch_norm_backward_cpu<T>(const T*, const T*, const T*, const T*, const T*, T*, T*, T*, int64_t, \
                                           int64_t, int64_t, bool);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
