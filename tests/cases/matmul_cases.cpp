// Finite-difference cases for matmul (every transpose combination) and linear.
#include "kernels/matmul/matmul.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

// op(a) (M, K) x op(b) (K, N), each stored transposed when asked.
OpCase matmul_case(int64_t M, int64_t K, int64_t N, bool ta, bool tb) {
  OpCase c;
  c.op = "matmul";
  c.name = "matmul/" + std::string(ta ? "T" : "N") + (tb ? "T" : "N") + "_" + std::to_string(M) + "x" +
           std::to_string(K) + "x" + std::to_string(N);
  c.make_inputs = [=](Generator& g, DType t) {
    return std::vector<Tensor>{Tensor::randn(ta ? Shape{K, M} : Shape{M, K}, g, t),
                               Tensor::randn(tb ? Shape{N, K} : Shape{K, N}, g, t)};
  };
  c.run = [=](const std::vector<Tensor>& in) { return std::vector<Tensor>{matmul(in[0], in[1], ta, tb)}; };
  return c;
}

OpCase linear_case(const std::string& name, int64_t N, int64_t in, int64_t out, bool with_bias) {
  OpCase c;
  c.op = "linear";
  c.name = "linear/" + name;
  c.make_inputs = [=](Generator& g, DType t) {
    std::vector<Tensor> v{Tensor::randn({N, in}, g, t), Tensor::randn({out, in}, g, t)};
    if (with_bias) v.push_back(Tensor::randn({out}, g, t));
    return v;
  };
  c.run = [](const std::vector<Tensor>& v) {
    return std::vector<Tensor>{linear(v[0], v[1], v.size() > 2 ? v[2] : Tensor())};
  };
  return c;
}

}  // namespace

KD_OP_CASES({
    matmul_case(3, 4, 5, false, false),
    matmul_case(3, 4, 5, true, false),
    matmul_case(3, 4, 5, false, true),
    matmul_case(3, 4, 5, true, true),
    matmul_case(1, 7, 2, true, true),
    matmul_case(6, 1, 9, false, true),
    linear_case("n4_in6_out3_bias", 4, 6, 3, true),
    linear_case("n5_in12_out7_nobias", 5, 12, 7, false),
    linear_case("n1_in3_out9_bias", 1, 3, 9, true),
});
