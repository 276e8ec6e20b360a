#pragma once
#include "engine/tensor.h"

namespace kd {

// x (N, C, H, W)
Tensor global_avg_pool(const Tensor& x);  // -> (N, C, 1, 1)
Tensor global_max_pool(const Tensor& x);  // -> (N, C, 1, 1); gradient to the first maximum
Tensor channel_mean(const Tensor& x);     // -> (N, 1, H, W), mean over C
Tensor channel_max(const Tensor& x);      // -> (N, 1, H, W), max over C; gradient to the first maximum

}  // namespace kd
