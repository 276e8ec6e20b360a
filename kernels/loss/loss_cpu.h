#pragma once
// CPU kernels behind loss.h. Labels are already checked to lie in [0, c).
#include <cstdint>

namespace kd {

// Per row: lse[i] = logsumexp(z[i]) and row_loss[i] = lse[i] - z[i, labels[i]]; z (n, c).
// lse stays in double even for float z: near 1e4 a float lse would be off by ~1e-3, and the
// softmax that backward rebuilds from it by the same relative amount.
template <class T>
void cross_entropy_forward_cpu(const T* z, const int64_t* labels, double* lse, double* row_loss, int64_t n,
                               int64_t c);

// gz = (softmax(z) - onehot(labels)) * g / n, softmax from the saved lse; g the scalar upstream.
template <class T>
void cross_entropy_backward_cpu(const T* z, const int64_t* labels, const double* lse, double g, T* gz, int64_t n,
                                int64_t c);

// sum over rows and classes of p (log p - log_q), 0 log 0 = 0; log_q, p (n, c). Not divided by n.
template <class T>
double kl_div_forward_cpu(const T* log_q, const T* p, int64_t n, int64_t c);

// With scale = g / n: g_log_q = -p * scale; g_p = (log p + 1 - log_q) * scale where p > 0 and
// -log_q * scale where p == 0 (the p log p term contributes nothing there, as in PyTorch's
// xlogy). Either output pointer may be null when that gradient is not wanted.
template <class T>
void kl_div_backward_cpu(const T* log_q, const T* p, double scale, T* g_log_q, T* g_p, int64_t n, int64_t c);

}  // namespace kd
