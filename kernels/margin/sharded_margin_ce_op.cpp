#include <cmath>
#include <functional>
#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/kd_kl/online_lse.h"
#include "kernels/margin/margin_target.h"
#include "kernels/margin/sharded_margin_ce.h"

namespace kd {
namespace {

// This rank's logit row i: s cos with the target's margin where this rank owns the label.
template <class T>
struct ShardRows {
  const T* cos;
  const int64_t* labels;
  int64_t c, offset;
  MarginParams p;
  int64_t local_target(int64_t i) const {
    int64_t y = labels[i] - offset;
    return y >= 0 && y < c ? y : -1;
  }
  double target_logit(int64_t i, int64_t y, double* dt) const {
    return p.s * margin_target_value(double(cos[i * c + y]), p.kind, p.m, dt);
  }
  double logit(int64_t i, int64_t j, int64_t y) const {
    double dt;
    return j == y ? target_logit(i, y, &dt) : p.s * double(cos[i * c + j]);
  }
};

}  // namespace

// A device tensor's cosines are staged through host memory (M x C_r values each way per step),
// and the row buffers go to the device for the collectives (NCCL sums device tensors only): a
// device kernel is left for when a GPU can test it.
Tensor sharded_margin_cross_entropy(const Tensor& cos_in, const Tensor& labels_in, int64_t class_offset,
                                    const MarginParams& p, const ShardCollectives& ranks) {
  check_dim(cos_in, 2, "sharded_margin_cross_entropy: cos");
  const Device dev = cos_in.device();
  const Tensor cos = dev.is_cpu() ? cos_in : cos_in.detach().to(cpu());
  const Tensor labels = labels_in.device().is_cpu() ? labels_in : labels_in.to(cpu());
  auto on_ranks = [&](const std::function<void(const Tensor&)>& op, Tensor& host) {
    if (dev.is_cpu()) return op(host);
    Tensor d = host.to(dev);
    op(d);
    host = d.to(cpu());
  };
  check_floating(cos, "sharded_margin_cross_entropy: cos");
  const int64_t M = cos.size(0), c = cos.size(1);
  check_shape(labels, {M}, "sharded_margin_cross_entropy: labels");
  KD_CHECK(labels.dtype() == DType::I64, "sharded_margin_cross_entropy: labels must be int64");
  KD_CHECK(M > 0, "sharded_margin_cross_entropy: empty batch");

  Tensor row_max = Tensor::empty({M}, DType::F64);
  // [sum of exp(z - max) | target logit | owners of the label], summed over ranks in one go
  Tensor sums = Tensor::zeros({3 * M}, DType::F64);
  Tensor lse = Tensor::empty({M}, DType::F64);
  Tensor loss = Tensor::empty({}, cos.dtype());  // host; moved to cos_in's device at the end
  dispatch_float(cos.dtype(), "sharded_margin_cross_entropy", [&](auto t) {
    using T = decltype(t);
    const ShardRows<T> r{cos.data<T>(), labels.data<int64_t>(), c, class_offset, p};
    // One read of the rows: each row's log-sum-exp over this rank's classes (kernels/kd_kl's
    // online update, as margin_cross_entropy), rescaled to the global maximum afterwards.
    std::vector<OnlineLse> local(static_cast<size_t>(M));
    double* mx = row_max.data<double>();
    for (int64_t i = 0; i < M; ++i) {
      const int64_t y = r.local_target(i);
      OnlineLse& a = local[size_t(i)];
      for (int64_t j = 0; j < c; ++j) lse_add(a, r.logit(i, j, y));
      mx[i] = a.m;
    }
    on_ranks(ranks.max, row_max);
    mx = row_max.data<double>();
    double* s = sums.data<double>();
    for (int64_t i = 0; i < M; ++i) {
      const int64_t y = r.local_target(i);
      s[i] = local[size_t(i)].s * std::exp(local[size_t(i)].m - mx[i]);
      double dt;
      if (y >= 0) s[M + i] = r.target_logit(i, y, &dt), s[2 * M + i] = 1;
    }
    on_ranks(ranks.sum, sums);
    s = sums.data<double>();
    for (int64_t i = 0; i < M; ++i)
      KD_CHECK(s[2 * M + i] == 1, "sharded_margin_cross_entropy: label ", labels.data<int64_t>()[i], " of row ", i,
               " is owned by ", s[2 * M + i], " ranks' class shards; expected exactly one");
    double total = 0;
    for (int64_t i = 0; i < M; ++i) {
      lse.data<double>()[i] = mx[i] + std::log(s[i]);
      total += lse.data<double>()[i] - s[M + i];  // row order: the same sum on every rank
    }
    loss.data<T>()[0] = T(total / double(M));
  });

  if (!dev.is_cpu()) {
    autograd::NoGradGuard no_grad;
    loss = loss.to(dev);
  }
  autograd::record("sharded_margin_cross_entropy", {cos_in, labels_in}, {loss},
                   [cos = cos.detach(), labels = labels.detach(), lse, p, class_offset, M, c, dev](const BackwardCtx& ctx) {
                     std::vector<Tensor> g(2);
                     if (!ctx.need[0]) return g;
                     g[0] = Tensor::empty_like(cos);
                     const double ss = ctx.gy[0].item() / double(M) * p.s;
                     dispatch_float(cos.dtype(), "sharded_margin_cross_entropy backward", [&](auto t) {
                       using T = decltype(t);
                       const ShardRows<T> r{cos.data<T>(), labels.data<int64_t>(), c, class_offset, p};
                       T* gc = g[0].data<T>();
                       for (int64_t i = 0; i < M; ++i) {
                         const double l = lse.data<double>()[i];
                         const int64_t y = r.local_target(i);
                         for (int64_t j = 0; j < c; ++j) gc[i * c + j] = T(ss * std::exp(p.s * double(r.cos[i * c + j]) - l));
                         if (y < 0) continue;
                         double dt = 0;
                         const double zt = r.target_logit(i, y, &dt);
                         gc[i * c + y] = T(ss * dt * (std::exp(zt - l) - 1.0));  // p - 1 in double
                       }
                     });
                     if (!dev.is_cpu()) g[0] = g[0].to(dev);
                     return g;
                   });
  return loss;
}

}  // namespace kd
