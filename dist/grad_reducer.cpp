#include "dist/grad_reducer.h"

#include "engine/check.h"
#include "kernels/elementwise/elementwise.h"

namespace kd::dist {

GradReducer::GradReducer(Communicator& comm, const std::vector<std::pair<std::string, Tensor>>& params,
                         size_t bucket_bytes)
    : comm_(comm) {
  for (const auto& p : params) params_.push_back(p.second);
  bucket_of_.resize(params_.size());
  is_ready_.assign(params_.size(), false);
  // Reverse registration order: the head and the last stage finish their gradients first.
  size_t bytes = 0;
  for (size_t k = params_.size(); k-- > 0;) {
    const Tensor& p = params_[k];
    index_[&p.impl()] = k;
    if (buckets_.empty() || bytes >= bucket_bytes ||
        (!buckets_.back().params.empty() &&
         (params_[buckets_.back().params[0]].dtype() != p.dtype() ||
          params_[buckets_.back().params[0]].device() != p.device()))) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().params.push_back(k);
    buckets_.back().numel += p.numel();
    bucket_of_[k] = buckets_.size() - 1;
    bytes += p.nbytes();
  }
  for (Bucket& b : buckets_)
    b.flat = Tensor::empty({b.numel}, params_[b.params[0]].dtype(), params_[b.params[0]].device());
}

std::unique_ptr<autograd::LeafGradReadyScope> GradReducer::capture() {
  in_backward_ = true;
  started_early_ = 0;
  return std::make_unique<autograd::LeafGradReadyScope>([this](const Tensor& leaf) {
    auto it = index_.find(&leaf.impl());
    if (it != index_.end()) mark_ready(it->second);
  });
}

void GradReducer::mark_ready(size_t k) {
  if (is_ready_[k]) return;
  is_ready_[k] = true;
  ++buckets_[bucket_of_[k]].ready;
  while (next_start_ < buckets_.size() && buckets_[next_start_].ready == buckets_[next_start_].params.size()) {
    start(buckets_[next_start_++]);
    if (in_backward_) ++started_early_;
  }
  // A nonblocking MPI collective moves only while some rank calls into MPI.
  for (size_t i = 0; i < next_start_; ++i)
    if (buckets_[i].handle >= 0) comm_.done(buckets_[i].handle);
}

void GradReducer::start(Bucket& b) {
  int64_t off = 0;
  for (size_t k : b.params) {
    const Tensor& p = params_[k];
    Tensor dst = b.flat.narrow0(off, p.numel());
    Tensor g = p.grad();
    // Parameters outside this step's graph contribute zeros (the graph is the same on every rank).
    if (g.defined())
      dst.copy_from(g.view({p.numel()}));
    else
      dst.zero_();
    off += p.numel();
  }
  b.handle = comm_.start_sum(b.flat);
}

void GradReducer::finish() {
  in_backward_ = false;
  for (size_t k = 0; k < params_.size(); ++k) mark_ready(k);
  const double inv = 1.0 / double(comm_.size());
  for (Bucket& b : buckets_) {
    comm_.wait(b.handle);
    b.handle = -1;
    b.ready = 0;
    Tensor avg = comm_.size() == 1 ? b.flat : scale(b.flat, inv);
    int64_t off = 0;
    for (size_t k : b.params) {
      Tensor p = params_[k];
      if (p.grad().defined()) p.grad().view({p.numel()}).copy_from(avg.narrow0(off, p.numel()));
      off += p.numel();
    }
  }
  next_start_ = 0;
  is_ready_.assign(params_.size(), false);
}

}  // namespace kd::dist
