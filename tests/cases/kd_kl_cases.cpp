// Finite-difference and backend-parity cases for the fused KD loss kd_softmax_kl. Only z_s is
// differentiable: the teacher logits z_t are not an input of the op's autograd node.
#include "kernels/kd_kl/kd_kl.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

OpCase kd_kl_case(const std::string& name, int64_t n, int64_t c, double T, double spread) {
  return OpCase{"kd_softmax_kl", name,
                [=](Generator& g, DType t) {
                  return std::vector<Tensor>{Tensor::randn({n, c}, g, t, spread), Tensor::randn({n, c}, g, t, spread)};
                },
                [T](const std::vector<Tensor>& in) { return std::vector<Tensor>{kd_softmax_kl(in[0], in[1], T)}; },
                {true, false}};
}

}  // namespace

KD_OP_CASES({
    kd_kl_case("kd_softmax_kl/T1_n3_c5", 3, 5, 1.0, 2.0),
    kd_kl_case("kd_softmax_kl/T4_n3_c5", 3, 5, 4.0, 3.0),
    kd_kl_case("kd_softmax_kl/T1_n4_c37", 4, 37, 1.0, 2.0),
    kd_kl_case("kd_softmax_kl/T4_n4_c37", 4, 37, 4.0, 5.0),
    // c % 4 == 0: the float4 path on CUDA (1000 columns, 250 loads per row)
    kd_kl_case("kd_softmax_kl/T1_n2_c1000", 2, 1000, 1.0, 2.0),
    kd_kl_case("kd_softmax_kl/T4_n2_c1000", 2, 1000, 4.0, 8.0),
});
