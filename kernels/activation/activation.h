#pragma once
#include "engine/tensor.h"

namespace kd {

Tensor relu(const Tensor& x);
Tensor sigmoid(const Tensor& x);
// One slope per channel: a (C), x (N, C, ...); y = x if x > 0 else a_c x.
Tensor prelu(const Tensor& x, const Tensor& a);
// relu(a + b) in one pass (the residual join of every block); a and b of one shape, no
// broadcasting. Both gradients are gy where the output is positive.
Tensor add_relu(const Tensor& a, const Tensor& b);

}  // namespace kd
