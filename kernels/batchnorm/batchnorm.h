#pragma once
#include "engine/tensor.h"

namespace kd {

// x (N, C) or (N, C, H, W); gamma, beta, running_mean, running_var (C).
// training: normalise with the batch statistics (biased variance) and update the running
// buffers in place, PyTorch's way: mean <- (1-momentum) mean + momentum batch_mean,
// var <- (1-momentum) var + momentum unbiased_batch_var. Not training: use the buffers.
// Differentiable in x, gamma, beta (never in the buffers).
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);

}  // namespace kd
