#pragma once
// The kernel cases of REFERENCE_MODELS.md as data: how to build the inputs (on the CPU, then
// copied where they run), the forward, and the gradient seed of the backward. The runner
// checks each on the device against the CPU oracle before it times anything.
#include <functional>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "nlohmann/json.hpp"

namespace kd::bench {

struct KernelCase {
  std::string group;  // gconv | cbam | kd | arcface (what --cases selects)
  std::string name;
  nlohmann::json shape;
  // Inputs for batch n (the check runs a smaller batch than the timing), on the CPU; every
  // floating input is a leaf that receives a gradient unless listed in no_grad.
  std::function<std::vector<Tensor>(int64_t n, Generator& g)> make_inputs;
  std::vector<size_t> no_grad;
  // The forward; the first output is the one seeded by a random gradient for backward.
  std::function<std::vector<Tensor>(const std::vector<Tensor>&)> forward;
  int64_t timed_batch = 128;
  int64_t check_batch = 4;
  // Work per run for the achieved rate: FLOPs (0 where bandwidth is the measure) and the
  // minimal bytes of the forward and of forward+backward.
  std::function<double(int64_t n)> fwd_flops, fwd_bytes, fwdbwd_flops, fwdbwd_bytes;
  // PyTorch eager figures from REFERENCE_MODELS.md (ms), for the ratio column.
  double torch_fwd_ms = 0, torch_fwdbwd_ms = 0;
  // Runs the forward (and backward) again with the baseline library path selected (cuDNN
  // for convolutions); null where there is none.
  std::function<void(bool on)> select_baseline;
};

std::vector<KernelCase> kernel_cases(int64_t batch, int64_t classes);

// n class indices in [0, classes), on the CPU (the ArcFace case and the train-step bench).
Tensor random_labels(int64_t n, int64_t classes, Generator& g);

}  // namespace kd::bench
