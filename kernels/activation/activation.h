#pragma once
#include "engine/tensor.h"

namespace kd {

Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
// One slope per channel: a (C), x (N, C, ...); y = x if x > 0 else a_c x.
Tensor prelu(const Tensor& x, const Tensor& a);

}  // namespace kd
