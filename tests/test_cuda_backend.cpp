// CUDA vs the CPU oracle for every op case. Skipped (reported by ctest as skipped, with the
// reason) where kdface was built without CUDA or no device is present.
#include <catch2/catch.hpp>
#include <cmath>
#include <iostream>

#include "engine/cuda.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/conv2d/conv2d_backend.h"
#include "kernels/matmul/matmul.h"
#include "kernels/normalize/l2_normalize.h"
#include "kernels/reduce/reduce.h"
#include "kernels/softmax/softmax.h"
#include "tests/support/compare.h"
#include "tests/support/op_case.h"

using namespace kdtest;

namespace {

// Without a device the test reports itself skipped (ctest's SKIP_REGULAR_EXPRESSION).
bool no_device() {
  if (kd::cuda::available()) return false;
  std::cout << "KDFACE-SKIP: CUDA tests not run: " << kd::cuda::unavailable_reason() << "\n";
  return true;
}

}  // namespace

TEST_CASE("CUDA backend matches the CPU oracle on every op case", "[cuda]") {
  if (no_device()) return;
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
  if (no_device()) return;
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
    CHECK(compare_backends(c, kd::cuda_device(), 1e-10, 1e-8, 5, kd::DType::F64) == "");
    ++ran;
  }
  CHECK(ran > 0);
  std::cout << "cuDNN conv parity: " << ran << " conv2d cases compared (float32 and float64)\n";
}

// Masked logits: a row's -inf entries get probability 0. The CUDA row statistics once added
// exp(-inf - -inf) = NaN when a thread's first elements were all -inf, turning the whole row
// NaN (found reviewing the kernels for the emulated device).
TEST_CASE("softmax of rows with -inf entries matches the CPU on CUDA", "[cuda]") {
  if (no_device()) return;
  OpCase c{"softmax", "softmax/masked_rows",
           [](kd::Generator& g, kd::DType t) {
             kd::Tensor x = kd::Tensor::randn({4, 300}, g, kd::DType::F64);
             std::vector<double> v = x.to_vector<double>();
             for (size_t i = 0; i < v.size(); ++i)
               if ((i % 300) < 200 || i % 7 == 0) v[i] = -INFINITY;  // every thread's first elements masked
             return std::vector<kd::Tensor>{kd::Tensor::from<double>(v, {4, 300}).to(t)};
           },
           [](const std::vector<kd::Tensor>& in) { return std::vector<kd::Tensor>{kd::softmax(in[0], 1.0)}; },
           {}};
  kd::set_alloc_poison(true);
  CHECK(compare_backends(c, kd::cuda_device()) == "");
  kd::set_alloc_poison(false);
}

// float64 runs the double instantiation of every kernel (and cuBLAS's Dgemm paths); sums in
// double on both sides differ only in their order.
TEST_CASE("CUDA matches the CPU oracle in float64 on every op case", "[cuda]") {
  if (no_device()) return;
  kd::set_alloc_poison(true);
  int ran = 0;
  for (const OpCase& c : op_cases()) {
    INFO(c.name);
    CHECK(compare_backends(c, kd::cuda_device(), 1e-9, 1e-7, 5, kd::DType::F64) == "");
    ++ran;
  }
  kd::set_alloc_poison(false);
  std::cout << "CUDA float64 parity: " << ran << " op cases compared\n";
}

namespace {

// A case for the parity check alone: inputs where finite differences do not apply.
OpCase parity_case(const std::string& name, std::function<std::vector<kd::Tensor>(kd::Generator&, kd::DType)> make,
                   std::function<std::vector<kd::Tensor>(const std::vector<kd::Tensor>&)> run) {
  return OpCase{name.substr(0, name.find('/')), name, std::move(make), std::move(run), {}};
}

}  // namespace

TEST_CASE("edge inputs match the CPU on CUDA: a zero row, an empty sum, empty batches, K = 0", "[cuda]") {
  if (no_device()) return;
  const std::vector<OpCase> cases{
      // |x| below eps: x / eps, and the backward's other branch
      parity_case("l2_normalize/zero_row",
                  [](kd::Generator& g, kd::DType t) {
                    std::vector<double> v = kd::Tensor::randn({3, 5}, g, kd::DType::F64).to_vector<double>();
                    for (size_t j = 5; j < 10; ++j) v[j] = 0.0;
                    return std::vector<kd::Tensor>{kd::Tensor::from<double>(v, {3, 5}).to(t)};
                  },
                  [](const std::vector<kd::Tensor>& in) { return std::vector<kd::Tensor>{kd::l2_normalize(in[0])}; }),
      parity_case("sum/empty",
                  [](kd::Generator&, kd::DType t) { return std::vector<kd::Tensor>{kd::Tensor::zeros({0, 3}, t)}; },
                  [](const std::vector<kd::Tensor>& in) { return std::vector<kd::Tensor>{kd::sum(in[0])}; }),
      // a 1x1 convolution is a GEMM; with no images its weight gradient is all zeros
      parity_case("conv2d/pointwise_empty_batch",
                  [](kd::Generator& g, kd::DType t) {
                    return std::vector<kd::Tensor>{kd::Tensor::zeros({0, 3, 4, 4}, t),
                                                   kd::Tensor::randn({5, 3, 1, 1}, g, t)};
                  },
                  [](const std::vector<kd::Tensor>& in) {
                    return std::vector<kd::Tensor>{kd::conv2d(in[0], in[1], kd::Tensor(), kd::Conv2dParams{})};
                  }),
      parity_case("matmul/k0",
                  [](kd::Generator&, kd::DType t) {
                    return std::vector<kd::Tensor>{kd::Tensor::zeros({3, 0}, t), kd::Tensor::zeros({0, 4}, t)};
                  },
                  [](const std::vector<kd::Tensor>& in) {
                    return std::vector<kd::Tensor>{kd::matmul(in[0], in[1])};
                  }),
  };
  kd::set_alloc_poison(true);
  for (const OpCase& c : cases) {
    INFO(c.name);
    CHECK(compare_backends(c, kd::cuda_device()) == "");
  }
  kd::set_alloc_poison(false);
}

// Run by ctest a second time with KDFACE_CBAM_CHUNK_BYTES small (tests/CMakeLists.txt), so the
// fused CBAM kernels process the batch in several chunks, each at its offset.
TEST_CASE("fused CBAM matches the CPU on CUDA on every cbam case", "[cuda][cbam]") {
  if (no_device()) return;
  kd::set_alloc_poison(true);
  for (const OpCase& c : op_cases()) {
    if (c.op != "cbam") continue;
    INFO(c.name);
    CHECK(compare_backends(c, kd::cuda_device()) == "");
  }
  kd::set_alloc_poison(false);
}
