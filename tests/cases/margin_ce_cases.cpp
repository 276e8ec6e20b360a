// Finite-difference and backend-parity cases for the fused margin + cross-entropy:
// CosFace, ArcFace on its main branch and with targets on the fallback line (theta + m > pi,
// target cosines near -1). Cosines stay inside (-1, 1), fallback targets sit in
// [-0.98, -0.93] (the branch point is cos(pi - m) = -0.8776 for m = 0.5 and -0.9553 for
// m = 0.3, so those cases use m = 0.5 only), main-branch targets are kept >= 0.03 from it and
// from +-1: a central difference never straddles the branch or the sine clamp.
#include "kernels/margin/margin_ce.h"
#include "tests/cases/margin_inputs.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;
using kdtest::kArc;
using kdtest::kArcSmall;
using kdtest::kCos;

namespace {

OpCase margin_ce_case(const std::string& name, int64_t n, int64_t c, MarginParams p, double lo, double hi,
                      int64_t fallback) {
  return OpCase{"margin_cross_entropy", name,
                [=](Generator& g, DType t) { return kdtest::margin_inputs(g, t, n, c, lo, hi, fallback); },
                [p](const std::vector<Tensor>& in) {
                  return std::vector<Tensor>{margin_cross_entropy(in[0], in[1], p)};
                },
                {true, false}};
}

}  // namespace

KD_OP_CASES({
    margin_ce_case("margin_cross_entropy/arcface_n4_c7", 4, 7, kArc, -0.8, 0.95, 0),
    margin_ce_case("margin_cross_entropy/arcface_fallback_n5_c6", 5, 6, kArc, -0.8, 0.95, 2),
    // every target on the fallback line, with s = 64 making the target's softmax tiny
    margin_ce_case("margin_cross_entropy/arcface_all_fallback_n3_c5", 3, 5, kArc, -0.5, 0.5, 3),
    margin_ce_case("margin_cross_entropy/arcface_s30_m0.3_n3_c9", 3, 9, kArcSmall, -0.9, 0.9, 0),
    margin_ce_case("margin_cross_entropy/cosface_n4_c7", 4, 7, kCos, -0.95, 0.95, 0),
    margin_ce_case("margin_cross_entropy/cosface_n2_c12", 2, 12, kCos, -0.5, 0.99, 1),
    // c % 4 == 0: the float4 path on CUDA; 1000 columns spread over several threads per block
    margin_ce_case("margin_cross_entropy/arcface_fallback_n3_c1000", 3, 1000, kArc, -0.3, 0.3, 1),
    margin_ce_case("margin_cross_entropy/cosface_n2_c1000", 2, 1000, kCos, -0.3, 0.3, 0),
});
