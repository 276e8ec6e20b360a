// Finite-difference cases for softmax and log_softmax, with and without temperature.
#include "kernels/softmax/softmax.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

OpCase softmax_case(const char* op, const std::string& name, Shape s, double scale, double T) {
  const bool log = std::string(op) == "log_softmax";
  return OpCase{op, name, [s, scale](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn(s, g, t, scale)}; },
                [T, log](const std::vector<Tensor>& in) {
                  return std::vector<Tensor>{log ? log_softmax(in[0], T) : softmax(in[0], T)};
                },
                {}};
}

}  // namespace

KD_OP_CASES({
    softmax_case("softmax", "softmax/n3_c7", {3, 7}, 1.0, 1.0),
    softmax_case("softmax", "softmax/n4_c12_T4", {4, 12}, 3.0, 4.0),
    softmax_case("softmax", "softmax/n2_c1", {2, 1}, 1.0, 1.0),
    softmax_case("softmax", "softmax/n1_c40_T0.5", {1, 40}, 1.0, 0.5),
    // rows longer than the CUDA block: each thread folds several elements into its running max
    softmax_case("softmax", "softmax/n2_c700", {2, 700}, 2.0, 1.0),
    softmax_case("log_softmax", "log_softmax/n3_c7", {3, 7}, 1.0, 1.0),
    softmax_case("log_softmax", "log_softmax/n5_c9_T2.5", {5, 9}, 3.0, 2.5),
    softmax_case("log_softmax", "log_softmax/n2_c33_T0.3", {2, 33}, 1.0, 0.3),
    softmax_case("log_softmax", "log_softmax/n2_c700_T2", {2, 700}, 2.0, 2.0),
});
