#include <cmath>
#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/loss/labels.h"
#include "kernels/margin/margin_ce.h"
#include "kernels/margin/margin_ce_cpu.h"
#include "kernels/margin/margin_ce_cuda.h"

namespace kd {

Tensor margin_cross_entropy(const Tensor& cos, const Tensor& labels, const MarginParams& p) {
  check_dim(cos, 2, "margin_cross_entropy: cos");
  check_floating(cos, "margin_cross_entropy: cos");
  KD_CHECK(std::isfinite(p.s) && std::isfinite(p.m), "margin_cross_entropy: s and m must be finite, got s = ", p.s,
           ", m = ", p.m);
  const int64_t n = cos.size(0), c = cos.size(1);
  KD_CHECK(n > 0 && c > 0, "margin_cross_entropy: cos must have at least one sample and one class, got shape ",
           shape_str(cos.shape()));
  const Device dev = cos.device();
  // On CUDA this runs the device range check (one 8-byte copy back, labels never leave the device).
  check_labels(labels, n, c, dev, "margin_cross_entropy");

  Tensor loss = Tensor::empty({}, cos.dtype(), dev);
  Tensor lse = Tensor::empty({n}, DType::F64, dev);  // (N) saved for backward
  on_device(
      dev, "margin_cross_entropy",
      [&] {
        std::vector<double> rows(static_cast<size_t>(n));
        dispatch_float(cos.dtype(), "margin_cross_entropy", [&](auto t) {
          using S = decltype(t);
          margin_ce_forward_cpu<S>(cos.data<S>(), labels.data<int64_t>(), lse.data<double>(), rows.data(), n, c, p);
          double total = 0;
          for (double r : rows) total += r;  // in row order: independent of the thread count
          loss.data<S>()[0] = S(total / double(n));
        });
      },
      [&] {
        Tensor rows = Tensor::empty({n}, DType::F64, dev);  // (N) scratch: per-row loss
        dispatch_float(cos.dtype(), "margin_cross_entropy", [&](auto t) {
          using S = decltype(t);
          margin_ce_forward_cuda<S>(cos.data<S>(), labels.data<int64_t>(), lse.data<double>(), rows.data<double>(),
                                    loss.data<S>(), n, c, p);
        });
      });

  autograd::record("margin_cross_entropy", {cos, labels}, {loss},
                   [cos = cos.detach(), labels = labels.detach(), lse, p, n, c](const BackwardCtx& ctx) {
                     std::vector<Tensor> g(2);  // labels: not differentiable
                     if (!ctx.need[0]) return g;
                     g[0] = Tensor::empty_like(cos);
                     on_device(
                         cos.device(), "margin_cross_entropy backward",
                         [&] {
                           const double scale = ctx.gy[0].item() / double(n);
                           dispatch_float(cos.dtype(), "margin_cross_entropy backward", [&](auto t) {
                             using S = decltype(t);
                             margin_ce_backward_cpu<S>(cos.data<S>(), labels.data<int64_t>(), lse.data<double>(),
                                                       scale, g[0].data<S>(), n, c, p);
                           });
                         },
                         [&] {
                           Tensor gy = ctx.gy[0].to(cos.dtype());  // stays on the device
                           dispatch_float(cos.dtype(), "margin_cross_entropy backward", [&](auto t) {
                             using S = decltype(t);
                             margin_ce_backward_cuda<S>(cos.data<S>(), labels.data<int64_t>(), lse.data<double>(),
                                                        gy.data<S>(), g[0].data<S>(), n, c, p);
                           });
                         });
                     return g;
                   });
  return loss;
}

}  // namespace kd
