#include "models/conv_bn.h"

#include <cstdlib>
#include <cstring>

#include "kernels/activation/activation.h"

namespace kd::models {

bool fold_bn_enabled() {
  static const bool on = [] {
    const char* e = std::getenv("KDFACE_FOLD_BN");
    return !(e && std::strcmp(e, "0") == 0);
  }();
  return on;
}

Tensor conv_bn(const Conv2d& conv, BatchNorm& bn, const Tensor& x, bool relu) {
  if (fold_bn_enabled()) {
    FoldedConv f = bn.fold(conv.weight(), Tensor());
    if (f.w.defined()) {
      Conv2dParams p = conv.params();
      p.relu = relu;
      return conv2d(x, f.w, f.b, p);
    }
  }
  Tensor y = bn.forward(conv.forward(x));
  return relu ? kd::relu(y) : y;
}

}  // namespace kd::models
