#pragma once
// The table-driven op harness (after ggml's test-backend-ops): each op registers cases that
// build random inputs and run the op through its public, differentiable API. The same table
// serves three modes: finite-difference gradient checks (CPU, float64), backend parity
// (CUDA vs the CPU oracle, float32) and, later, timing.
#include <functional>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace kdtest {

struct OpCase {
  std::string op;    // the op it covers, as named in the coverage list ("conv2d", "relu", ...)
  std::string name;  // unique, e.g. "conv2d/grouped_g4_s2"
  // Random inputs on the CPU in the given floating dtype (labels stay int64). Never all zeros.
  std::function<std::vector<kd::Tensor>(kd::Generator&, kd::DType)> make_inputs;
  // Runs the op; every returned floating tensor is an output checked by the harness.
  std::function<std::vector<kd::Tensor>(const std::vector<kd::Tensor>&)> run;
  // Which inputs get gradients checked; empty means every floating input.
  std::vector<bool> differentiable;
  double fd_step = 1e-6;  // central-difference step (float64)
  double atol = 1e-6;     // gradient check tolerance: |analytic - numeric| <= atol + rtol |numeric|
  double rtol = 1e-5;
};

// Registration from static initialisers in tests/cases/*.cpp; duplicate names are refused.
bool register_op_cases(std::vector<OpCase> cases);
const std::vector<OpCase>& op_cases();

// The ops that issue 2 lists; the coverage test requires a case for each.
const std::vector<std::string>& required_ops();

struct RunResult {
  std::vector<kd::Tensor> outputs;
  std::vector<kd::Tensor> input_grads;  // undefined where not differentiable
};

// Runs c on device in dtype from a generator seeded with seed: outputs, then the gradients
// of sum_k <out_k, R_k> for fixed random R_k (also seeded), moved back to the CPU.
RunResult run_case(const OpCase& c, kd::Device device, kd::DType dtype, uint64_t seed);

// Finite-difference check in float64 on the CPU: "" when it passes, else what differs.
std::string gradcheck(const OpCase& c, uint64_t seed = 1234);

// Backend parity: c on device vs the CPU in dtype (outputs and gradients); "" when equal
// within tolerance. Outputs on the device are poisoned first so unwritten elements show.
std::string compare_backends(const OpCase& c, kd::Device device, double atol = 1e-4, double rtol = 1e-3,
                             uint64_t seed = 99, kd::DType dtype = kd::DType::F32);

}  // namespace kdtest

#define KD_CONCAT_INNER(a, b) a##b
#define KD_CONCAT(a, b) KD_CONCAT_INNER(a, b)
// KD_OP_CASES({ OpCase{...}, ... }); at namespace scope in a tests/cases/*.cpp file.
#define KD_OP_CASES(...) \
  static const bool KD_CONCAT(kd_op_cases_, __LINE__) = ::kdtest::register_op_cases(__VA_ARGS__)
