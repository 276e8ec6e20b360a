#pragma once
// nn.BatchNorm1d / nn.BatchNorm2d with PyTorch's state: weight, bias, running_mean,
// running_var and the int64 scalar num_batches_tracked, so a PyTorch state_dict loads strictly
// and ours loads back into PyTorch.
#include "engine/module.h"
#include "kernels/batchnorm/bn_fold.h"
#include "kernels/batchnorm/sync_batchnorm.h"

namespace kd::models {

class BatchNorm : public Module {
 public:
  explicit BatchNorm(int64_t c, double momentum = 0.1, double eps = 1e-5);
  // x (N, C) or (N, C, H, W). Training: batch statistics, running buffers updated and
  // num_batches_tracked incremented (also under no-grad, as in PyTorch). Eval: running buffers.
  Tensor forward(const Tensor& x);
  int64_t channels() const { return c_; }
  // conv (weight w, optional bias) followed by this BatchNorm as one convolution, when that is
  // exact: eval mode and gradient recording off. Undefined tensors otherwise.
  FoldedConv fold(const Tensor& w, const Tensor& bias) const;

 private:
  int64_t c_;
  double momentum_, eps_;
  Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
};

// While one is alive on this thread, every BatchNorm forward in training mode uses
// momentum = 1 / num_batches_tracked: PyTorch's momentum=None, a cumulative (equal weight)
// average of the batch statistics since the buffers were reset. Used by adaptive_bn.
class CumulativeBatchNormScope {
 public:
  CumulativeBatchNormScope();
  ~CumulativeBatchNormScope();
  CumulativeBatchNormScope(const CumulativeBatchNormScope&) = delete;
  CumulativeBatchNormScope& operator=(const CumulativeBatchNormScope&) = delete;

 private:
  bool prev_;
};

// While one is alive on this thread, every BatchNorm forward in training mode normalises with
// the statistics of all data-parallel ranks (kernels/batchnorm/sync_batchnorm.h): the
// trainer's `data.sync_bn`. rank_sum adds a tensor over the ranks in place.
class SyncBatchNormScope {
 public:
  explicit SyncBatchNormScope(RankSum rank_sum);
  ~SyncBatchNormScope();
  SyncBatchNormScope(const SyncBatchNormScope&) = delete;
  SyncBatchNormScope& operator=(const SyncBatchNormScope&) = delete;

 private:
  RankSum prev_;
};

}  // namespace kd::models
