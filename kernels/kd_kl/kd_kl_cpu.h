#pragma once
// CPU kernels behind kd_kl.h; rows of (n, c), temperature passed as its inverse.
#include <cstdint>

namespace kd {

// Per row i, with b = z_s[i] * inv_t and a = z_t[i] * inv_t:
//   lse_s[i] = logsumexp(b), lse_t[i] = logsumexp(a),
//   row_kl[i] = KL(softmax(a) || softmax(b)) = sum_j p_t,j (a_j - b_j) - lse_t[i] + lse_s[i].
// All three in double (a float log-sum-exp near 1e4 would be off by ~1e-3). z_s, z_t (n, c).
template <class T>
void kd_kl_forward_cpu(const T* z_s, const T* z_t, double inv_t, double* lse_s, double* lse_t, double* row_kl,
                       int64_t n, int64_t c);

// g_zs = scale * (softmax(z_s * inv_t) - softmax(z_t * inv_t)), both softmaxes rebuilt from the
// saved log-sum-exps; the caller passes scale = g * T / n. g_zs (n, c).
template <class T>
void kd_kl_backward_cpu(const T* z_s, const T* z_t, double inv_t, const double* lse_s, const double* lse_t,
                        double scale, T* g_zs, int64_t n, int64_t c);

}  // namespace kd
