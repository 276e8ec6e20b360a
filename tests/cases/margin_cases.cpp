// Finite-difference cases for margin_logits: CosFace, ArcFace on its main branch and on the
// fallback line (targets below cos(pi - m)). Cosines stay inside (-1, 1) and every target is
// at least 0.03 away from the branch point, so a finite difference never straddles it.
#include <cmath>

#include "kernels/margin/margin.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

// cos (n, c) uniform in [lo, hi]; targets of the first `fallback` samples in [-0.98, -0.93]
// (below cos(pi - 0.5) = -0.8776), the other targets in [lo, hi].
OpCase margin_case(const std::string& name, int64_t n, int64_t c, MarginParams p, double lo, double hi,
                   int64_t fallback) {
  return OpCase{"margin_logits", name,
                [=](Generator& g, DType t) {
                  std::vector<double> cos(static_cast<size_t>(n * c));
                  for (auto& v : cos) v = lo + (hi - lo) * g.uniform();
                  std::vector<int64_t> y(static_cast<size_t>(n));
                  for (int64_t i = 0; i < n; ++i) {
                    y[size_t(i)] = int64_t(g.next_u64() % uint64_t(c));
                    if (i < fallback) cos[size_t(i * c + y[size_t(i)])] = -0.98 + 0.05 * g.uniform();
                  }
                  return std::vector<Tensor>{Tensor::from(cos, {n, c}).to(t), Tensor::from(y, {n})};
                },
                [p](const std::vector<Tensor>& in) { return std::vector<Tensor>{margin_logits(in[0], in[1], p)}; },
                {true, false}};
}

const MarginParams kArc{MarginKind::ArcFace, 64.0, 0.5};
const MarginParams kArcSmall{MarginKind::ArcFace, 30.0, 0.3};
const MarginParams kCos{MarginKind::CosFace, 64.0, 0.35};

}  // namespace

KD_OP_CASES({
    margin_case("margin_logits/arcface_n4_c7", 4, 7, kArc, -0.8, 0.95, 0),
    margin_case("margin_logits/arcface_fallback_n5_c6", 5, 6, kArc, -0.8, 0.95, 2),
    margin_case("margin_logits/arcface_s30_m0.3_n3_c9", 3, 9, kArcSmall, -0.9, 0.9, 0),
    margin_case("margin_logits/cosface_n4_c7", 4, 7, kCos, -0.95, 0.95, 0),
    margin_case("margin_logits/cosface_n2_c12", 2, 12, kCos, -0.5, 0.99, 1),
});
