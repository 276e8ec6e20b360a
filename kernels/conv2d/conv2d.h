#pragma once
#include "engine/tensor.h"

namespace kd {

struct Conv2dParams {
  int stride = 1;
  int padding = 0;
  int groups = 1;
  // y = max(0, conv + bias) in the same pass (inference only: an error while recording
  // gradients, since the op's backward would not see the clamp). CPU: applied while each
  // image's rows are in cache; CUDA: a ReLU kernel after the convolution, for now.
  bool relu = false;
};

// x (N, Cin, H, W), w (Cout, Cin/groups, kH, kW), bias (Cout) or undefined -> (N, Cout, Ho, Wo).
// Dense, grouped and depthwise (groups == Cin) alike; differentiable in x, w and bias.
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p);

}  // namespace kd
