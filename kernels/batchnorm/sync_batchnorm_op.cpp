#include <cmath>
#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/batchnorm/batchnorm.h"
#include "kernels/batchnorm/sync_batchnorm.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/reduce/reduce.h"
#include "kernels/shape/shape_ops.h"

namespace kd {
namespace {

Tensor channel_sums(const Tensor& x3) { return sum_dim(sum_dim(x3, 2), 0); }  // (N, C, S) -> (C)

// 1 / sqrt(var + eps), on the host: C values per layer.
Tensor inverse_std(const Tensor& var, double eps) {
  Tensor out;
  dispatch_float(var.dtype(), "batch_norm_synced", [&](auto t) {
    using T = decltype(t);
    std::vector<T> v = var.to_vector<T>();
    for (T& e : v) e = T(1) / std::sqrt(e + T(eps));
    out = Tensor::from(v, var.shape()).to(var.device());
  });
  return out;
}

}  // namespace

Tensor batch_norm_synced(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                         const Tensor& running_var, double momentum, double eps, const RankSum& rank_sum) {
  check_floating(x, "batch_norm_synced: x");
  KD_CHECK(x.dim() == 2 || x.dim() == 4, "batch_norm_synced: x must be (N, C) or (N, C, H, W), got shape ",
           shape_str(x.shape()));
  const int64_t N = x.size(0), C = x.size(1), S = x.dim() == 4 ? x.size(2) * x.size(3) : 1;
  check_shape(gamma, {C}, "batch_norm_synced: gamma");
  Tensor mean, var, invstd, centred;
  double M = 0;
  {
    autograd::NoGradGuard no_grad;
    Tensor x3 = x.detach().view({N, C, S});
    Tensor stats = concat({channel_sums(x3), Tensor::full({1}, double(N * S), x.dtype(), x.device())}, 0);
    rank_sum(stats);
    M = stats.narrow0(C, 1).item();
    KD_CHECK(M > 1, "batch_norm_synced: expected more than 1 value per channel over all ranks, got ", M);
    mean = scale(stats.narrow0(0, C), 1.0 / M);
    centred = sub(x3, mean.view({1, C, 1}));
    Tensor sq = channel_sums(square(centred));
    rank_sum(sq);
    var = scale(sq, 1.0 / M);
    invstd = inverse_std(var, eps);
    Tensor(running_mean).copy_from(add(scale(running_mean, 1.0 - momentum), scale(mean, momentum)));
    Tensor(running_var).copy_from(add(scale(running_var, 1.0 - momentum), scale(var, momentum * M / (M - 1.0))));
  }
  Tensor y;
  {
    autograd::NoGradGuard no_grad;  // normalise with the global statistics: the eval-mode kernel
    y = batch_norm(x.detach(), gamma.detach(), beta.detach(), mean, var, false, 0.0, eps);
  }
  autograd::record(
      "batch_norm_synced", {x, gamma, beta}, {y},
      [xhat = mul(centred, invstd.view({1, C, 1})), gamma = gamma.detach(), invstd, rank_sum, xshape = x.shape(), N, C, S,
       M](const BackwardCtx& c) {
        Tensor gy = c.gy[0].to(xhat.dtype()).view({N, C, S});
        Tensor sum_dy = channel_sums(gy), sum_dy_xhat = channel_sums(mul(gy, xhat));
        Tensor gx;
        if (c.need[0]) {
          Tensor both = concat({sum_dy, sum_dy_xhat}, 0);
          rank_sum(both);
          Tensor mean_dy = scale(both.narrow0(0, C), 1.0 / M).view({1, C, 1});
          Tensor mean_dy_xhat = scale(both.narrow0(C, C), 1.0 / M).view({1, C, 1});
          Tensor inner = sub(sub(gy, mean_dy), mul(xhat, mean_dy_xhat));
          gx = mul(inner, mul(gamma, invstd).view({1, C, 1})).view(xshape);
        }
        return std::vector<Tensor>{gx, c.need[1] ? sum_dy_xhat : Tensor(), c.need[2] ? sum_dy : Tensor()};
      });
  return y;
}

}  // namespace kd
