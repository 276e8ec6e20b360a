#pragma once
#include "engine/tensor.h"

namespace kd {

// Over the last dimension of z (N, C), at temperature T: softmax(z / T).
Tensor softmax(const Tensor& z, double T = 1.0);
Tensor log_softmax(const Tensor& z, double T = 1.0);

}  // namespace kd
