// relu, sigmoid, prelu. Inputs of the piecewise ops keep |x| >= 0.1 so the finite
// differences never straddle the kink at 0.
#include "kernels/activation/activation.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

Tensor away_from_zero(const Shape& s, Generator& g, DType t) {
  Tensor x = Tensor::randn(s, g, DType::F64);
  double* p = x.data<double>();
  for (int64_t i = 0; i < x.numel(); ++i) p[i] += p[i] >= 0 ? 0.1 : -0.1;
  return x.to(t);
}

OpCase relu_case(const std::string& name, Shape s) {
  return OpCase{"relu", "relu/" + name,
                [s](Generator& g, DType t) { return std::vector<Tensor>{away_from_zero(s, g, t)}; },
                [](const std::vector<Tensor>& in) { return std::vector<Tensor>{relu(in[0])}; }, {}};
}

OpCase sigmoid_case(const std::string& name, Shape s, double sd) {
  return OpCase{"sigmoid", "sigmoid/" + name,
                [s, sd](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn(s, g, t, sd)}; },
                [](const std::vector<Tensor>& in) { return std::vector<Tensor>{sigmoid(in[0])}; }, {}};
}

OpCase prelu_case(const std::string& name, Shape s) {
  return OpCase{"prelu", "prelu/" + name,
                [s](Generator& g, DType t) {
                  return std::vector<Tensor>{away_from_zero(s, g, t), Tensor::uniform({s[1]}, g, 0.1, 0.4, t)};
                },
                [](const std::vector<Tensor>& in) { return std::vector<Tensor>{prelu(in[0], in[1])}; }, {}};
}

// a + b stays >= 0.06 away from the kink: |a| >= 0.1, |b| <= 0.04.
OpCase add_relu_case(const std::string& name, Shape s) {
  return OpCase{"add_relu", "add_relu/" + name,
                [s](Generator& g, DType t) {
                  return std::vector<Tensor>{away_from_zero(s, g, t), Tensor::uniform(s, g, -0.04, 0.04, t)};
                },
                [](const std::vector<Tensor>& in) { return std::vector<Tensor>{add_relu(in[0], in[1])}; }, {}};
}

}  // namespace

KD_OP_CASES({add_relu_case("n2_c3_h4", {2, 3, 4, 4}), add_relu_case("flat_1000", {1000})});
KD_OP_CASES({
    relu_case("nchw", {2, 3, 4, 5}),
    relu_case("2d", {7, 6}),
    relu_case("3d", {2, 5, 9}),
    sigmoid_case("nchw", {2, 3, 4, 5}, 3.0),
    sigmoid_case("2d", {4, 33}, 1.0),
    prelu_case("nchw", {2, 3, 4, 5}),
    prelu_case("2d", {6, 4}),
    prelu_case("3d", {2, 5, 7}),
});
