// Dropout: the mask is a function of the seed, so repeated runs (finite differences) see the
// same mask and the op is linear in x.
#include "kernels/dropout/dropout.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

OpCase dropout_case(const std::string& name, Shape s, double p, bool training, uint64_t seed) {
  return OpCase{"dropout", "dropout/" + name,
                [s](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn(s, g, t)}; },
                [p, training, seed](const std::vector<Tensor>& in) {
                  return std::vector<Tensor>{dropout(in[0], p, training, seed)};
                },
                {}};
}

}  // namespace

KD_OP_CASES({
    dropout_case("p0.3_train", {4, 3, 5, 5}, 0.3, true, 20240611),
    dropout_case("p0.3_train_2d", {16, 32}, 0.3, true, 7),
    dropout_case("p0.5_eval", {4, 8}, 0.5, false, 7),
    dropout_case("p0_train", {4, 8}, 0.0, true, 7),
});
