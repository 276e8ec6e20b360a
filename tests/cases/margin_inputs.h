#pragma once
// Inputs shared by the margin_logits and margin_cross_entropy op cases: cosines that keep a
// central difference away from the ArcFace branch point and from +-1, and the margins used.
#include <vector>

#include "engine/tensor.h"
#include "kernels/margin/margin.h"

namespace kdtest {

// cos (n, c) uniform in [lo, hi] and labels (n); the targets of the first `fallback` samples
// in [-0.98, -0.93] (below cos(pi - 0.5) = -0.8776: ArcFace's fallback line), the other
// targets in [lo, hi].
inline std::vector<kd::Tensor> margin_inputs(kd::Generator& g, kd::DType t, int64_t n, int64_t c, double lo, double hi,
                                             int64_t fallback) {
  std::vector<double> cos(static_cast<size_t>(n * c));
  for (auto& v : cos) v = lo + (hi - lo) * g.uniform();
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    y[size_t(i)] = int64_t(g.next_u64() % uint64_t(c));
    if (i < fallback) cos[size_t(i * c + y[size_t(i)])] = -0.98 + 0.05 * g.uniform();
  }
  return {kd::Tensor::from(cos, {n, c}).to(t), kd::Tensor::from(y, {n})};
}

inline const kd::MarginParams kArc{kd::MarginKind::ArcFace, 64.0, 0.5};
inline const kd::MarginParams kArcSmall{kd::MarginKind::ArcFace, 30.0, 0.3};
inline const kd::MarginParams kCos{kd::MarginKind::CosFace, 64.0, 0.35};

}  // namespace kdtest
