#pragma once
#include "engine/tensor.h"

namespace kd {

// Broadcasting binary ops: a and b have the same rank and each dimension is equal or 1 on
// one side (N x C x 1 x 1 and N x 1 x H x W against N x C x H x W are the cases that matter).
// The gradient of a broadcast input is summed over the broadcast dimensions.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);

Tensor scale(const Tensor& x, double s);       // s * x
Tensor add_scalar(const Tensor& x, double s);  // x + s
Tensor square(const Tensor& x);                // x * x

}  // namespace kd
