#pragma once
#include "engine/tensor.h"

namespace kd {

struct CbamOut {
  Tensor y;   // (N, C, H, W) x * ca * sa
  Tensor ca;  // (N, C, 1, 1) channel attention map
  Tensor sa;  // (N, 1, H, W) spatial attention map
};

// CBAM with the attention maps as differentiable outputs (the attention-distillation loss
// reads and back-propagates through them). fc1 (hidden, C, 1, 1), fc2 (C, hidden, 1, 1),
// spatial (1, 2, k, k) with k odd, all without bias:
//   ca = sigmoid(fc2(relu(fc1(avgpool x))) + fc2(relu(fc1(maxpool x))));  x' = x ca
//   sa = sigmoid(conv_k([mean_c x', max_c x'], pad k/2));                  y = x' sa
// Max pools route their gradient to the first maximum (as global_max_pool / channel_max).
// One autograd node with fused CPU and CUDA kernels; the maths and the kernel design are in
// docs/ops/cbam.md.
CbamOut cbam(const Tensor& x, const Tensor& fc1, const Tensor& fc2, const Tensor& spatial);

// The same function built from the primitive ops, so its gradient is theirs: the oracle the
// fused op is checked against (tests/test_cbam_fused.cpp). Not for training (it keeps about
// ten N*C*H*W intermediates alive and makes as many passes over memory).
CbamOut cbam_composed(const Tensor& x, const Tensor& fc1, const Tensor& fc2, const Tensor& spatial);

}  // namespace kd
