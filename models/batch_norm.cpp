#include "models/batch_norm.h"

#include "engine/autograd.h"
#include "kernels/batchnorm/batchnorm.h"

namespace kd::models {

namespace {
thread_local bool cumulative_mode = false;
thread_local RankSum sync_sum;

// num_batches_tracked is an int64 scalar wherever the module lives (item() reads any device).
void store(Tensor& counter, int64_t n) {
  if (counter.device().is_cpu()) {
    counter.data<int64_t>()[0] = n;
  } else {
    Tensor host = Tensor::full({}, double(n), DType::I64);
    counter.copy_from(host);
  }
}
}  // namespace

CumulativeBatchNormScope::CumulativeBatchNormScope() : prev_(cumulative_mode) { cumulative_mode = true; }
CumulativeBatchNormScope::~CumulativeBatchNormScope() { cumulative_mode = prev_; }

SyncBatchNormScope::SyncBatchNormScope(RankSum rank_sum) : prev_(std::move(sync_sum)) { sync_sum = std::move(rank_sum); }
SyncBatchNormScope::~SyncBatchNormScope() { sync_sum = std::move(prev_); }

BatchNorm::BatchNorm(int64_t c, double momentum, double eps) : c_(c), momentum_(momentum), eps_(eps) {
  KD_CHECK(c >= 1, "BatchNorm: channels must be positive, got ", c);
  weight_ = register_parameter("weight", Tensor::ones({c}));
  bias_ = register_parameter("bias", Tensor::zeros({c}));
  running_mean_ = register_buffer("running_mean", Tensor::zeros({c}));
  running_var_ = register_buffer("running_var", Tensor::ones({c}));
  num_batches_tracked_ = register_buffer("num_batches_tracked", Tensor::zeros({}, DType::I64));
}

Tensor BatchNorm::forward(const Tensor& x) {
  const bool training = is_training();
  const int64_t n = training ? int64_t(num_batches_tracked_.item()) + 1 : 0;
  const double momentum = training && cumulative_mode ? 1.0 / double(n) : momentum_;
  Tensor y = training && sync_sum
                 ? batch_norm_synced(x, weight_, bias_, running_mean_, running_var_, momentum, eps_, sync_sum)
                 : batch_norm(x, weight_, bias_, running_mean_, running_var_, training, momentum, eps_);
  if (training) store(num_batches_tracked_, n);  // after the op, so a rejected input counts nothing
  return y;
}

FoldedConv BatchNorm::fold(const Tensor& w, const Tensor& bias) const {
  if (is_training() || autograd::grad_enabled()) return {};
  return fold_batch_norm(w, bias, weight_, bias_, running_mean_, running_var_, eps_);
}

}  // namespace kd::models
