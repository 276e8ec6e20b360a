#include "models/cbam_module.h"

#include <algorithm>


namespace kd::models {

int64_t CBAM::hidden(int64_t c, int64_t reduction) { return std::max<int64_t>(c / reduction, 8); }

CBAM::CBAM(int64_t c, int64_t reduction, int64_t spatial_kernel, Generator& g) {
  const int64_t h = hidden(c, reduction);
  fc1_ = register_module("fc1", std::make_shared<Conv2d>(c, h, 1, 1, 0, 1, g));
  fc2_ = register_module("fc2", std::make_shared<Conv2d>(h, c, 1, 1, 0, 1, g));
  spatial_ = register_module("spatial", std::make_shared<Conv2d>(2, 1, spatial_kernel, 1, spatial_kernel / 2, 1, g));
}

CbamOut CBAM::forward(const Tensor& x) const {
  return cbam(x, fc1_->weight(), fc2_->weight(), spatial_->weight());
}

}  // namespace kd::models
