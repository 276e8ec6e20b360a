#pragma once
#include <vector>

#include "engine/tensor.h"

namespace kd {

// Concatenation along dim (all other dimensions equal); differentiable.
Tensor concat(const std::vector<Tensor>& xs, int64_t dim);
// Same data, new shape (one -1 allowed); differentiable (the gradient is reshaped back).
Tensor reshape(const Tensor& x, const Shape& s);
// (N, d1, d2, ...) -> (N, d1*d2*...) for start_dim = 1.
Tensor flatten(const Tensor& x, int64_t start_dim = 1);

}  // namespace kd
