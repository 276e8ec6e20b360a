#pragma once
#include "engine/tensor.h"

namespace kd {

// 2-D matrix product: op(a) (M, K) x op(b) (K, N) -> (M, N); differentiable in both.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);

// y = x w^T + b: x (N, in), w (out, in), b (out) or undefined -> (N, out). PyTorch's nn.Linear.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);

}  // namespace kd
