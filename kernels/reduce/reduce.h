#pragma once
#include "engine/tensor.h"

namespace kd {

// Whole-tensor reductions return a 0-dimensional tensor (shape {}, one element).
Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x);
// Along one dimension; keepdim leaves a 1 there.
Tensor sum_dim(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor mean_dim(const Tensor& x, int64_t dim, bool keepdim = false);

}  // namespace kd
