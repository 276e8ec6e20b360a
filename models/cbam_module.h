#pragma once
// CBAM's parameters under torch_reference's names (fc1, fc2, spatial: bias-free convs); the
// maths is kernels/cbam.
#include <memory>

#include "engine/module.h"
#include "kernels/cbam/cbam.h"
#include "models/layers.h"

namespace kd::models {

class CBAM : public Module {
 public:
  // hidden = max(c / reduction, 8), as torch_reference.
  CBAM(int64_t c, int64_t reduction, int64_t spatial_kernel, Generator& g);
  CbamOut forward(const Tensor& x) const;  // x (N, c, H, W) -> {y, ca (N,c,1,1), sa (N,1,H,W)}

  static int64_t hidden(int64_t c, int64_t reduction);

 private:
  std::shared_ptr<Conv2d> fc1_, fc2_, spatial_;
};

}  // namespace kd::models
