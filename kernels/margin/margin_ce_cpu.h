#pragma once
// CPU kernels behind margin_ce.h. Labels are already checked to lie in [0, c).
#include <cstdint>

#include "kernels/margin/margin.h"

namespace kd {

// Per row, with z the margin logits of margin_logits (computed in double, never stored):
// lse[i] = logsumexp(z[i]) and row_loss[i] = lse[i] - z[i, labels[i]]. cos (n, c).
template <class T>
void margin_ce_forward_cpu(const T* cos, const int64_t* labels, double* lse, double* row_loss, int64_t n, int64_t c,
                           const MarginParams& p);

// g_cos = scale * s * (softmax(z) - onehot(labels)), the target entries times the margin's
// slope; scale = g / n for the upstream scalar g. softmax rebuilt from the saved lse.
template <class T>
void margin_ce_backward_cpu(const T* cos, const int64_t* labels, const double* lse, double scale, T* g_cos, int64_t n,
                            int64_t c, const MarginParams& p);

}  // namespace kd
