// Finite-difference cases for l2_normalize (rows of random data, never near zero norm).
#include "kernels/normalize/l2_normalize.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

OpCase l2_case(const std::string& name, Shape s, double scale) {
  return OpCase{"l2_normalize", name,
                [s, scale](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn(s, g, t, scale)}; },
                [](const std::vector<Tensor>& in) { return std::vector<Tensor>{l2_normalize(in[0])}; },
                {}};
}

}  // namespace

KD_OP_CASES({
    l2_case("l2_normalize/n3_d5", {3, 5}, 1.0),
    l2_case("l2_normalize/n4_d16_scale3", {4, 16}, 3.0),
    l2_case("l2_normalize/n1_d64_scale0.1", {1, 64}, 0.1),
    l2_case("l2_normalize/n5_d2", {5, 2}, 1.0),
});
