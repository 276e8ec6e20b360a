// conv2d, linear and matmul inside a bf16 autocast scope (kernels/precision/autocast.h).
// test_cuda_backend compares the CUDA paths (cublasGemmEx on bf16 buffers; cuDNN with tensor
// cores on bf16-rounded operands, or the native kernels) with the CPU oracle, which rounds the
// operands and runs the float32 kernels. Both sides multiply identical bf16 values exactly
// and accumulate in float32, so only the summation order differs and the default parity
// bound (1e-4 + 1e-3 |ref|) applies; nothing is rounded after the accumulation. The harness
// takes the gradients after run() returned, outside the scope: the ops must round them
// because autocast was on at forward time. In float64 (test_gradcheck) autocast is ignored,
// so these are plain finite-difference checks.
#include "kernels/conv2d/conv2d.h"
#include "kernels/matmul/matmul.h"
#include "kernels/precision/autocast.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

OpCase matmul_case(int64_t M, int64_t K, int64_t N, bool ta, bool tb) {
  OpCase c;
  c.op = "matmul";
  c.name = "autocast_bf16/matmul_" + std::string(ta ? "T" : "N") + (tb ? "T" : "N") + "_" + std::to_string(M) + "x" +
           std::to_string(K) + "x" + std::to_string(N);
  c.make_inputs = [=](Generator& g, DType t) {
    return std::vector<Tensor>{Tensor::randn(ta ? Shape{K, M} : Shape{M, K}, g, t),
                               Tensor::randn(tb ? Shape{N, K} : Shape{K, N}, g, t)};
  };
  c.run = [=](const std::vector<Tensor>& in) {
    autocast::Bf16Scope bf16;
    return std::vector<Tensor>{matmul(in[0], in[1], ta, tb)};
  };
  return c;
}

OpCase linear_case(const std::string& name, int64_t N, int64_t in, int64_t out, bool with_bias) {
  OpCase c;
  c.op = "linear";
  c.name = "autocast_bf16/linear_" + name;
  c.make_inputs = [=](Generator& g, DType t) {
    std::vector<Tensor> v{Tensor::randn({N, in}, g, t), Tensor::randn({out, in}, g, t)};
    if (with_bias) v.push_back(Tensor::randn({out}, g, t));
    return v;
  };
  c.run = [](const std::vector<Tensor>& v) {
    autocast::Bf16Scope bf16;
    return std::vector<Tensor>{linear(v[0], v[1], v.size() > 2 ? v[2] : Tensor())};
  };
  return c;
}

OpCase conv_case(const std::string& name, Shape x, int64_t O, int64_t k, Conv2dParams p, bool with_bias) {
  OpCase c;
  c.op = "conv2d";
  c.name = "autocast_bf16/conv2d_" + name;
  int64_t cg = x[1] / p.groups;
  c.make_inputs = [=](Generator& g, DType t) {
    std::vector<Tensor> in{Tensor::randn(x, g, t), Tensor::randn({O, cg, k, k}, g, t, 1.0 / double(cg * k))};
    if (with_bias) in.push_back(Tensor::randn({O}, g, t));
    return in;
  };
  c.run = [=](const std::vector<Tensor>& in) {
    autocast::Bf16Scope bf16;
    return std::vector<Tensor>{conv2d(in[0], in[1], in.size() > 2 ? in[2] : Tensor(), p)};
  };
  return c;
}

}  // namespace

KD_OP_CASES({
    matmul_case(5, 37, 6, false, false),
    matmul_case(7, 33, 4, true, false),
    matmul_case(6, 40, 5, false, true),
    matmul_case(4, 29, 7, true, true),
    linear_case("n6_in48_out5_bias", 6, 48, 5, true),
    linear_case("n3_in20_out9_nobias", 3, 20, 9, false),
    conv_case("dense_k3_p1_bias", {2, 4, 6, 6}, 5, 3, {1, 1, 1}, true),
    conv_case("dense_k3_s2_nobias", {2, 3, 7, 7}, 4, 3, {2, 1, 1}, false),
    conv_case("grouped_g4_p1_bias", {2, 8, 5, 5}, 8, 3, {1, 1, 4}, true),
    conv_case("pointwise_1x1_bias", {2, 16, 4, 4}, 6, 1, {1, 0, 1}, true),
});
