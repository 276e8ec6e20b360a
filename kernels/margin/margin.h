#pragma once
#include "engine/tensor.h"

namespace kd {

enum class MarginKind { ArcFace, CosFace };

struct MarginParams {
  MarginKind kind = MarginKind::ArcFace;
  double s = 64.0;
  double m = 0.5;
};

// cos (N, C): cosines between normalised embeddings and class weights; labels int64 (N).
// Non-target logits s * cos. Target, t = cos[i, y_i]:
//   ArcFace (insightface form): s * cos(theta + m) where t > cos(pi - m), else s * (t - m sin(pi - m))
//   CosFace: s * (t - m)
// Differentiable in cos.
Tensor margin_logits(const Tensor& cos, const Tensor& labels, const MarginParams& p);

}  // namespace kd
