#pragma once
// conv -> BatchNorm (-> ReLU), the unit every block repeats. In inference (eval mode, no
// gradient recording) the BatchNorm is folded into the convolution and the ReLU runs in its
// epilogue: one pass over the output instead of three. Otherwise the three ops run as
// written, so training and its gradients are untouched.
#include "models/batch_norm.h"
#include "models/layers.h"

namespace kd::models {

Tensor conv_bn(const Conv2d& conv, BatchNorm& bn, const Tensor& x, bool relu);

// Whether conv_bn folds (KDFACE_FOLD_BN=0 turns it off, to time or check the unfused path).
bool fold_bn_enabled();

}  // namespace kd::models
