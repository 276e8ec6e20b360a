#pragma once
// PyTorch's default initialisation, drawn from one seeded Generator in construction order
// (so a model is a pure function of its config and seed).
#include "engine/rng.h"
#include "engine/tensor.h"

namespace kd::models {

// nn.Conv2d / nn.Linear weight: kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in))
// with fan_in = numel / shape[0] (in/groups * kh * kw for a conv, in for a linear layer).
Tensor default_weight(const Shape& shape, Generator& g);
// nn.Linear bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
Tensor default_bias(int64_t out, int64_t fan_in, Generator& g);

}  // namespace kd::models
