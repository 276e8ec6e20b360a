#include "models/adaptive_bn.h"

#include "engine/autograd.h"
#include "models/batch_norm.h"
#include "models/resnext_cbam.h"

namespace kd::models {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Restores the mode even when a batch throws half way.
class ModeRestore {
 public:
  explicit ModeRestore(Module& m) : m_(m), was_(m.is_training()) {}
  ~ModeRestore() { m_.train(was_); }

 private:
  Module& m_;
  bool was_;
};

}  // namespace

int64_t adaptive_bn(Module& model, const std::function<void(const Tensor& batch)>& forward,
                    const std::function<bool(Tensor& batch)>& next_batch, int64_t max_batches) {
  KD_CHECK(max_batches >= 1, "adaptive_bn: max_batches must be >= 1, got ", max_batches);
  // The first batch is fetched before anything is reset, so an empty source leaves the model
  // as it was.
  Tensor batch;
  KD_CHECK(next_batch(batch) && batch.defined(),
           "adaptive_bn: next_batch gave no batch; the running statistics were left unchanged");
  // Module has no list of its children's types: BatchNorms are found by their buffer names
  // (PyTorch's reset_running_stats).
  int64_t norms = 0;
  for (auto& [name, t] : model.named_buffers()) {
    Tensor b = t;
    if (ends_with(name, ".running_mean") || name == "running_mean") {
      b.zero_();
      ++norms;
    } else if (ends_with(name, ".running_var") || name == "running_var") {
      b.fill_(1.0);
    } else if (ends_with(name, ".num_batches_tracked") || name == "num_batches_tracked") {
      b.zero_();
    }
  }
  KD_CHECK(norms > 0, "adaptive_bn: the model has no batch-norm buffers (no '*.running_mean')");

  ModeRestore restore(model);
  model.train(true);
  autograd::NoGradGuard no_grad;
  CumulativeBatchNormScope cumulative;
  int64_t used = 0;
  for (;;) {
    forward(batch);
    ++used;
    if (used == max_batches || !next_batch(batch)) break;
    KD_CHECK(batch.defined(), "adaptive_bn: next_batch returned true but no tensor (batch ", used, ")");
  }
  return used;
}

int64_t adaptive_bn(Module& model, const std::function<bool(Tensor& batch)>& next_batch, int64_t max_batches) {
  auto* net = dynamic_cast<ResNeXtCBAM*>(&model);
  KD_CHECK(net, "adaptive_bn: the model is not a ResNeXtCBAM; pass its forward function to the other overload");
  return adaptive_bn(model, [net](const Tensor& x) { net->forward(x); }, next_batch, max_batches);
}

}  // namespace kd::models
