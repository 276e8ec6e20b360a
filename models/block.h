#pragma once
// ResNeXt bottleneck with CBAM before the residual add (torch_reference.Block):
//   y = relu(b1(c1 x)); y = relu(b2(c2 y))  [grouped 3x3, stride]; y = b3(c3 y);
//   y, ca, sa = cbam(y); out = relu(y + shortcut(x)), shortcut = down(x) or x.
#include <memory>

#include "models/batch_norm.h"
#include "models/cbam_module.h"
#include "models/layers.h"

namespace kd::models {

// nn.Sequential(Conv2d 1x1 stride, BatchNorm2d): children "0" and "1" as PyTorch names them.
class Downsample : public Module {
 public:
  Downsample(int64_t cin, int64_t cout, int64_t stride, Generator& g);
  Tensor forward(const Tensor& x);

 private:
  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<BatchNorm> bn_;
};

struct BlockOutput {
  Tensor y;       // (N, cout, H/stride, W/stride)
  Tensor ca, sa;  // CBAM's maps
};

class Block : public Module {
 public:
  Block(int64_t cin, int64_t cout, int64_t stride, int64_t groups, int64_t reduction, int64_t spatial_kernel,
        Generator& g);
  BlockOutput forward(const Tensor& x);

 private:
  std::shared_ptr<Conv2d> c1_, c2_, c3_;
  std::shared_ptr<BatchNorm> b1_, b2_, b3_;
  std::shared_ptr<CBAM> cbam_;
  std::shared_ptr<Downsample> down_;  // null: identity shortcut
};

}  // namespace kd::models
