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

namespace {
thread_local FoldCacheScope* t_fold_cache = nullptr;
}  // namespace

FoldCacheScope::FoldCacheScope() : prev_(t_fold_cache) { t_fold_cache = this; }
FoldCacheScope::~FoldCacheScope() { t_fold_cache = prev_; }

FoldedConv FoldCacheScope::fold(const Conv2d& conv, const BatchNorm& bn) {
  auto key = std::make_pair(static_cast<const void*>(&bn), static_cast<const void*>(&conv.weight().impl()));
  auto it = folded_.find(key);
  if (it != folded_.end()) return it->second;
  FoldedConv f = bn.fold(conv.weight(), Tensor());
  if (f.w.defined()) folded_.emplace(key, f);  // training mode or recording gradients: never cached
  return f;
}

Tensor conv_bn(const Conv2d& conv, BatchNorm& bn, const Tensor& x, bool relu) {
  if (fold_bn_enabled()) {
    FoldedConv f = t_fold_cache ? t_fold_cache->fold(conv, bn) : bn.fold(conv.weight(), Tensor());
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
