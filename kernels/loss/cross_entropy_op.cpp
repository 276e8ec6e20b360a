#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/loss/labels.h"
#include "kernels/loss/loss.h"
#include "kernels/loss/loss_cpu.h"

namespace kd {

Tensor cross_entropy(const Tensor& z, const Tensor& labels) {
  check_dim(z, 2, "cross_entropy: z");
  check_floating(z, "cross_entropy: z");
  const int64_t n = z.size(0), c = z.size(1);
  KD_CHECK(n > 0 && c > 0, "cross_entropy: z must have at least one sample and one class, got shape ",
           shape_str(z.shape()));
  check_labels(labels, n, c, z.device(), "cross_entropy");
  if (!z.device().is_cpu()) no_device_kernel("cross_entropy", z.device());

  Tensor loss = Tensor::empty({}, z.dtype());
  Tensor lse = Tensor::empty({n}, DType::F64);  // saved for backward
  std::vector<double> rows(static_cast<size_t>(n));
  dispatch_float(z.dtype(), "cross_entropy", [&](auto t) {
    using S = decltype(t);
    cross_entropy_forward_cpu<S>(z.data<S>(), labels.data<int64_t>(), lse.data<double>(), rows.data(), n, c);
    double total = 0;
    for (double r : rows) total += r;  // in row order: independent of the thread count
    loss.data<S>()[0] = S(total / double(n));
  });

  autograd::record("cross_entropy", {z, labels}, {loss},
                   [z = z.detach(), labels = labels.detach(), lse, n, c](const BackwardCtx& ctx) {
                     std::vector<Tensor> g(2);  // labels: not differentiable
                     if (!ctx.need[0]) return g;
                     const double gy = ctx.gy[0].item();
                     g[0] = Tensor::empty_like(z);
                     dispatch_float(z.dtype(), "cross_entropy backward", [&](auto t) {
                       using S = decltype(t);
                       cross_entropy_backward_cpu<S>(z.data<S>(), labels.data<int64_t>(), lse.data<double>(), gy,
                                                     g[0].data<S>(), n, c);
                     });
                     return g;
                   });
  return loss;
}

}  // namespace kd
