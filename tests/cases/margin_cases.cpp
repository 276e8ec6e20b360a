// Finite-difference cases for margin_logits: CosFace, ArcFace on its main branch and on the
// fallback line (targets below cos(pi - m)). Cosines stay inside (-1, 1) and every target is
// at least 0.03 away from the branch point, so a finite difference never straddles it.
#include "kernels/margin/margin.h"
#include "tests/cases/margin_inputs.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;
using kdtest::kArc;
using kdtest::kArcSmall;
using kdtest::kCos;

namespace {

OpCase margin_case(const std::string& name, int64_t n, int64_t c, MarginParams p, double lo, double hi,
                   int64_t fallback) {
  return OpCase{"margin_logits", name,
                [=](Generator& g, DType t) { return kdtest::margin_inputs(g, t, n, c, lo, hi, fallback); },
                [p](const std::vector<Tensor>& in) { return std::vector<Tensor>{margin_logits(in[0], in[1], p)}; },
                {true, false}};
}

}  // namespace

KD_OP_CASES({
    margin_case("margin_logits/arcface_n4_c7", 4, 7, kArc, -0.8, 0.95, 0),
    margin_case("margin_logits/arcface_fallback_n5_c6", 5, 6, kArc, -0.8, 0.95, 2),
    margin_case("margin_logits/arcface_s30_m0.3_n3_c9", 3, 9, kArcSmall, -0.9, 0.9, 0),
    margin_case("margin_logits/cosface_n4_c7", 4, 7, kCos, -0.95, 0.95, 0),
    margin_case("margin_logits/cosface_n2_c12", 2, 12, kCos, -0.5, 0.99, 1),
});
