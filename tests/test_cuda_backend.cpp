// CUDA vs the CPU oracle for every op case. Skipped (reported by ctest as skipped, with the
// reason) where kdface was built without CUDA or no device is present.
#include <catch2/catch.hpp>
#include <iostream>

#include "engine/cuda.h"
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
  int ran = 0, missing = 0;
  for (const OpCase& c : op_cases()) {
    INFO(c.name);
    try {
      CHECK(compare_backends(c, kd::cuda_device()) == "");
      ++ran;
    } catch (const kd::Error& e) {
      if (std::string(e.what()).find("no kernel for device") == std::string::npos) throw;
      ++missing;  // the CUDA kernel has not landed yet (issue 3)
    }
  }
  kd::set_alloc_poison(false);
  std::cout << "CUDA parity: " << ran << " op cases compared, " << missing << " without a CUDA kernel yet\n";
}
