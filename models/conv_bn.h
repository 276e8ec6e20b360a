#pragma once
// conv -> BatchNorm (-> ReLU), the unit every block repeats. In inference (eval mode, no
// gradient recording) the BatchNorm is folded into the convolution and the ReLU runs in its
// epilogue: one pass over the output instead of three. Otherwise the three ops run as
// written, so training and its gradients are untouched.
#include <map>
#include <utility>

#include "models/batch_norm.h"
#include "models/layers.h"

namespace kd::models {

Tensor conv_bn(const Conv2d& conv, BatchNorm& bn, const Tensor& x, bool relu);

// While one is alive on this thread, conv_bn folds each (convolution, BatchNorm) pair once and
// reuses the folded weights on later forwards. Folding reads and writes every convolution
// weight, which at batch 1 was 17 % of r18x's forward at 32x32. The owner promises that no
// weight or BatchNorm buffer changes while the scope lives: one pass of inference (an
// evaluation's embeddings, a benchmark's timed runs), never around a training step.
class FoldCacheScope {
 public:
  FoldCacheScope();
  ~FoldCacheScope();
  FoldCacheScope(const FoldCacheScope&) = delete;
  FoldCacheScope& operator=(const FoldCacheScope&) = delete;
  FoldedConv fold(const Conv2d& conv, const BatchNorm& bn);

 private:
  FoldCacheScope* prev_;
  std::map<std::pair<const void*, const void*>, FoldedConv> folded_;
};

// Whether conv_bn folds (KDFACE_FOLD_BN=0 turns it off, to time or check the unfused path).
bool fold_bn_enabled();

}  // namespace kd::models
