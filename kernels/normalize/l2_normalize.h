#pragma once
#include "engine/tensor.h"

namespace kd {

// Rows of x (N, D): x / max(||x||_2, eps), PyTorch's F.normalize(x, dim=1).
Tensor l2_normalize(const Tensor& x, double eps = 1e-12);

}  // namespace kd
