#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/loss/labels.h"
#include "kernels/loss/loss.h"
#include "kernels/loss/loss_cpu.h"
#include "kernels/loss/loss_cuda.h"

namespace kd {

Tensor cross_entropy(const Tensor& z, const Tensor& labels) {
  check_dim(z, 2, "cross_entropy: z");
  check_floating(z, "cross_entropy: z");
  const int64_t n = z.size(0), c = z.size(1);
  KD_CHECK(n > 0 && c > 0, "cross_entropy: z must have at least one sample and one class, got shape ",
           shape_str(z.shape()));
  // On CUDA this runs the device range check (one small copy back); labels' device is checked here.
  check_labels(labels, n, c, z.device(), "cross_entropy");

  Tensor loss = Tensor::empty({}, z.dtype(), z.device());
  Tensor lse = Tensor::empty({n}, DType::F64, z.device());  // saved for backward
  on_device(
      z.device(), "cross_entropy",
      [&] {
        std::vector<double> rows(static_cast<size_t>(n));
        dispatch_float(z.dtype(), "cross_entropy", [&](auto t) {
          using S = decltype(t);
          cross_entropy_forward_cpu<S>(z.data<S>(), labels.data<int64_t>(), lse.data<double>(), rows.data(), n, c);
          double total = 0;
          for (double r : rows) total += r;  // in row order: independent of the thread count
          loss.data<S>()[0] = S(total / double(n));
        });
      },
      [&] {
        Tensor rows = Tensor::empty({n}, DType::F64, z.device());
        dispatch_float(z.dtype(), "cross_entropy", [&](auto t) {
          using S = decltype(t);
          cross_entropy_forward_cuda<S>(z.data<S>(), labels.data<int64_t>(), lse.data<double>(), rows.data<double>(),
                                        loss.data<S>(), n, c);
        });
      });

  autograd::record("cross_entropy", {z, labels}, {loss},
                   [z = z.detach(), labels = labels.detach(), lse, n, c](const BackwardCtx& ctx) {
                     std::vector<Tensor> g(2);  // labels: not differentiable
                     if (!ctx.need[0]) return g;
                     g[0] = Tensor::empty_like(z);
                     on_device(
                         z.device(), "cross_entropy backward",
                         [&] {
                           const double gy = ctx.gy[0].item();
                           dispatch_float(z.dtype(), "cross_entropy backward", [&](auto t) {
                             using S = decltype(t);
                             cross_entropy_backward_cpu<S>(z.data<S>(), labels.data<int64_t>(), lse.data<double>(),
                                                           gy, g[0].data<S>(), n, c);
                           });
                         },
                         [&] {
                           Tensor gy = ctx.gy[0].to(z.dtype());  // stays on the device
                           dispatch_float(z.dtype(), "cross_entropy backward", [&](auto t) {
                             using S = decltype(t);
                             cross_entropy_backward_cuda<S>(z.data<S>(), labels.data<int64_t>(), lse.data<double>(),
                                                            gy.data<S>(), g[0].data<S>(), n, c);
                           });
                         });
                     return g;
                   });
  return loss;
}

}  // namespace kd
