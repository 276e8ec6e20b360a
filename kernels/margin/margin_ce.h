#pragma once
#include "engine/tensor.h"
#include "kernels/margin/margin.h"

namespace kd {

// ArcFace / CosFace margin fused with cross-entropy: exactly
//   cross_entropy(margin_logits(cos, labels, p), labels)
// = mean_i [ logsumexp_j(z_ij) - z_i,y_i ],  z_ij = s cos_ij (j != y_i), z_i,y_i = s * target(cos_i,y_i)
// with target() the margin of margin_target.h (ArcFace incl. its fallback line beyond
// theta + m > pi, CosFace). cos (N, C) float, labels int64 (N) in [0, C) (checked, on CUDA on
// the device). Scalar result in cos's dtype; differentiable in cos:
//   g_cos_ij = (g s / N) p_ij                          (j != y_i)
//   g_cos_iy = (g s / N) (p_iy - 1) * dtarget/dt       (the same slope margin_logits uses)
// with p = softmax(z). One autograd node; forward reads cos once and keeps only the per-row
// log-sum-exp (N doubles); backward reads cos once and writes g_cos.
// Design, derivation and roofline: docs/ops/margin.md.
Tensor margin_cross_entropy(const Tensor& cos, const Tensor& labels, const MarginParams& p);

}  // namespace kd
