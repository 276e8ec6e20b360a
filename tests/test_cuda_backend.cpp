// CUDA vs the CPU oracle for every op case. Skipped (reported by ctest as skipped, with the
// reason) where kdface was built without CUDA or no device is present.
#include <catch2/catch.hpp>
#include <iostream>

#include "engine/cuda.h"
#include "kernels/conv2d/conv2d_backend.h"
#include "tests/support/compare.h"
#include "tests/support/op_case.h"

using namespace kdtest;

TEST_CASE("CUDA backend matches the CPU oracle on every op case", "[cuda]") {
  if (!kd::cuda::available()) {
    std::cout << "KDFACE-SKIP: CUDA tests not run: " << kd::cuda::unavailable_reason() << "\n";
    return;
  }
  std::cout << "CUDA device: " << kd::cuda::device_name() << "\n";
  kd::Tensor x = kd::Tensor::from<float>({1, 2, 3}, {3});
  CHECK(x.to(kd::cuda_device()).to(kd::cpu()).to_vector<float>() == x.to_vector<float>());
  kd::set_alloc_poison(true);
  // Every op case must run on the device: one that throws (a missing kernel included) fails its
  // CHECK with the case named, and the loop goes on to the next case.
  int ran = 0;
  for (const OpCase& c : op_cases()) {
    INFO(c.name);
    CHECK(compare_backends(c, kd::cuda_device()) == "");
    ++ran;
  }
  kd::set_alloc_poison(false);
  std::cout << "CUDA parity: " << ran << " op cases compared\n";
}

namespace {

// Puts the native backend back (and the poison off) however the test ends, so later tests run
// the native kernels.
struct NativeConvOnExit {
  ~NativeConvOnExit() {
    kd::set_conv_backend(kd::ConvBackend::Native);
    kd::set_alloc_poison(false);
  }
};

}  // namespace

// The cuDNN convolution path (KDFACE_CONV=cudnn) on every conv2d case: float32 against the CPU
// at the harness tolerance, and float64 (also through cuDNN) against the CPU at 1e-10 + 1e-8.
TEST_CASE("cuDNN convolutions match the CPU oracle on every conv2d case", "[cuda][cudnn]") {
  if (!kd::cuda::available()) {
    std::cout << "KDFACE-SKIP: cuDNN conv tests not run: " << kd::cuda::unavailable_reason() << "\n";
    return;
  }
  if (!kd::conv_cudnn_built()) {
    std::cout << "KDFACE-NOTE: cuDNN conv comparison not run: kdface was built without cuDNN (KDFACE_CUDNN)\n";
    return;
  }
  NativeConvOnExit restore;
  kd::set_conv_backend(kd::ConvBackend::Cudnn);
  kd::set_alloc_poison(true);
  int ran = 0;
  for (const OpCase& c : op_cases()) {
    if (c.op != "conv2d") continue;
    INFO(c.name);
    CHECK(compare_backends(c, kd::cuda_device()) == "");
    RunResult ref = run_case(c, kd::cpu(), kd::DType::F64, 5);
    RunResult got = run_case(c, kd::cuda_device(), kd::DType::F64, 5);
    const Tolerance tight{1e-10, 1e-8};
    for (size_t k = 0; k < ref.outputs.size(); ++k)
      CHECK(compare(got.outputs[k], ref.outputs[k], tight, c.name + " float64 output " + std::to_string(k)) == "");
    for (size_t i = 0; i < ref.input_grads.size(); ++i)
      if (ref.input_grads[i].defined())
        CHECK(compare(got.input_grads[i], ref.input_grads[i], tight, c.name + " float64 grad of input " +
                                                                             std::to_string(i)) == "");
    ++ran;
  }
  CHECK(ran > 0);
  std::cout << "cuDNN conv parity: " << ran << " conv2d cases compared (float32 and float64)\n";
}
