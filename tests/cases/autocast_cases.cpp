// conv2d, linear and matmul inside a bf16 autocast scope (kernels/precision/autocast.h).
// test_cuda_backend compares the CUDA paths (cublasGemmEx on bf16 buffers; cuDNN with tensor
// cores on bf16-rounded operands, or the native kernels) with the CPU oracle, which rounds the
// operands and runs the float32 kernels. Both sides multiply identical bf16 values exactly
// and accumulate in float32, so only the summation order differs and the default parity
// bound (1e-4 + 1e-3 |ref|) applies; nothing is rounded after the accumulation. The harness
// takes the gradients after run() returned, outside the scope: the ops must round them
// because autocast was on at forward time. In float64 (test_gradcheck) autocast is ignored,
// so these are plain finite-difference checks.
#include <algorithm>

#include "kernels/precision/autocast.h"
#include "tests/cases/gemm_conv_cases.h"

using kdtest::OpCase;

namespace {

// The plain case, run inside a Bf16Scope and renamed "autocast_bf16/<op>_<case>".
OpCase under_bf16(OpCase c) {
  std::string tail = c.name;
  std::replace(tail.begin(), tail.end(), '/', '_');
  c.name = "autocast_bf16/" + tail;
  c.run = [run = c.run](const std::vector<kd::Tensor>& in) {
    kd::autocast::Bf16Scope bf16;
    return run(in);
  };
  return c;
}

}  // namespace

KD_OP_CASES({
    under_bf16(kdtest::matmul_case(5, 37, 6, false, false)),
    under_bf16(kdtest::matmul_case(7, 33, 4, true, false)),
    under_bf16(kdtest::matmul_case(6, 40, 5, false, true)),
    under_bf16(kdtest::matmul_case(4, 29, 7, true, true)),
    under_bf16(kdtest::linear_case("n6_in48_out5_bias", 6, 48, 5, true)),
    under_bf16(kdtest::linear_case("n3_in20_out9_nobias", 3, 20, 9, false)),
    under_bf16(kdtest::conv_case("dense_k3_p1_bias", {2, 4, 6, 6}, 5, 3, {1, 1, 1}, true)),
    under_bf16(kdtest::conv_case("dense_k3_s2_nobias", {2, 3, 7, 7}, 4, 3, {2, 1, 1}, false)),
    under_bf16(kdtest::conv_case("grouped_g4_p1_bias", {2, 8, 5, 5}, 8, 3, {1, 1, 4}, true)),
    under_bf16(kdtest::conv_case("pointwise_1x1_bias", {2, 16, 4, 4}, 6, 1, {1, 0, 1}, true)),
});
