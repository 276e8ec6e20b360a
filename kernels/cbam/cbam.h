#pragma once
#include "engine/tensor.h"

namespace kd {

struct CbamOut {
  Tensor y;   // (N, C, H, W) x * ca * sa
  Tensor ca;  // (N, C, 1, 1) channel attention map
  Tensor sa;  // (N, 1, H, W) spatial attention map
};

// CBAM as composed reference: the maps stay differentiable outputs because the
// attention-distillation loss reads them. fc1 (hidden, C, 1, 1), fc2 (C, hidden, 1, 1),
// spatial (1, 2, k, k), all without bias:
//   ca = sigmoid(fc2(relu(fc1(avgpool x))) + fc2(relu(fc1(maxpool x))));  x' = x ca
//   sa = sigmoid(conv_k([mean_c x', max_c x'], pad k/2));                  y = x' sa
// Built from the primitive ops, so its gradient is theirs; the fused CUDA kernel is checked
// against it.
CbamOut cbam(const Tensor& x, const Tensor& fc1, const Tensor& fc2, const Tensor& spatial);

}  // namespace kd
