#pragma once
#include "engine/tensor.h"

namespace kd {

// Fused temperature-softmax KD loss (seed 000, eq. 5), exactly losses::kd_logit's value:
//   T^2 / N * sum_i KL(p_t,i || p_s,i),  p_s = softmax(z_s / T), p_t = softmax(z_t / T)
// z_s, z_t (N, C), same dtype and device; T > 0. Scalar result in z_s's dtype.
// Gradient only into z_s: (g T / N) (p_s - p_t) for the upstream scalar g. z_t is treated as
// a constant (the teacher is never trained through this loss): it is not an input of the
// autograd node, so even a z_t that requires a gradient receives none from here.
// Forward reads each row pair once (online log-sum-exp of both rows) and keeps only the two
// per-row log-sum-exps; backward reads both rows once more and writes the gradient.
// Design, derivation and roofline: docs/ops/kd_softmax.md.
Tensor kd_softmax_kl(const Tensor& z_s, const Tensor& z_t, double T);

}  // namespace kd
