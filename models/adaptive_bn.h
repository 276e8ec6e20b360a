#pragma once
// Adaptive batch norm (seed 002): re-estimate every BatchNorm's running statistics on
// unlabeled target-domain batches so the network normalises low-quality faces with their own
// statistics. Weights are untouched.
#include <functional>

#include "engine/module.h"

namespace kd::models {

// Resets every running_mean (0), running_var (1) and num_batches_tracked (0) of model, then
// runs up to max_batches batches from next_batch (it returns false when exhausted) in training
// mode under no-grad with cumulative averaging (PyTorch's momentum=None), then restores each
// module's train/eval mode. model must be a ResNeXtCBAM (Module has no virtual forward); use
// the overload with a forward function for anything else. Returns the number of batches used
// (an error, with the statistics untouched, when next_batch gives none).
int64_t adaptive_bn(kd::Module& model, const std::function<bool(Tensor& batch)>& next_batch, int64_t max_batches);
int64_t adaptive_bn(kd::Module& model, const std::function<void(const Tensor& batch)>& forward,
                    const std::function<bool(Tensor& batch)>& next_batch, int64_t max_batches);

}  // namespace kd::models
