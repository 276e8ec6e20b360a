#include "models/block.h"

#include "kernels/activation/activation.h"
#include "models/conv_bn.h"

namespace kd::models {

Downsample::Downsample(int64_t cin, int64_t cout, int64_t stride, Generator& g) {
  conv_ = register_module("0", std::make_shared<Conv2d>(cin, cout, 1, stride, 0, 1, g));
  bn_ = register_module("1", std::make_shared<BatchNorm>(cout));
}

Tensor Downsample::forward(const Tensor& x) { return conv_bn(*conv_, *bn_, x, false); }

Block::Block(int64_t cin, int64_t cout, int64_t stride, int64_t groups, int64_t reduction, int64_t spatial_kernel,
             Generator& g) {
  const int64_t width = cout / 2;
  // Registration order is PyTorch's attribute order, so the state_dict lists the same way.
  c1_ = register_module("c1", std::make_shared<Conv2d>(cin, width, 1, 1, 0, 1, g));
  b1_ = register_module("b1", std::make_shared<BatchNorm>(width));
  c2_ = register_module("c2", std::make_shared<Conv2d>(width, width, 3, stride, 1, groups, g));
  b2_ = register_module("b2", std::make_shared<BatchNorm>(width));
  c3_ = register_module("c3", std::make_shared<Conv2d>(width, cout, 1, 1, 0, 1, g));
  b3_ = register_module("b3", std::make_shared<BatchNorm>(cout));
  cbam_ = register_module("cbam", std::make_shared<CBAM>(cout, reduction, spatial_kernel, g));
  if (stride != 1 || cin != cout) down_ = register_module("down", std::make_shared<Downsample>(cin, cout, stride, g));
}

BlockOutput Block::forward(const Tensor& x) {
  Tensor y = conv_bn(*c1_, *b1_, x, true);
  y = conv_bn(*c2_, *b2_, y, true);
  y = conv_bn(*c3_, *b3_, y, false);
  CbamOut a = cbam_->forward(y);
  Tensor sc = down_ ? down_->forward(x) : x;
  return {add_relu(a.y, sc), a.ca, a.sa};
}

}  // namespace kd::models
