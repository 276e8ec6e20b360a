#include "kernels/margin/margin.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/loss/labels.h"
#include "kernels/margin/margin_cpu.h"
#include "kernels/margin/margin_cuda.h"

namespace kd {

Tensor margin_logits(const Tensor& cos, const Tensor& labels, const MarginParams& p) {
  check_dim(cos, 2, "margin_logits: cos");
  check_floating(cos, "margin_logits: cos");
  KD_CHECK(std::isfinite(p.s) && std::isfinite(p.m), "margin_logits: s and m must be finite, got s = ", p.s,
           ", m = ", p.m);
  const int64_t n = cos.size(0), c = cos.size(1);
  // On CUDA this runs the device range check (one small copy back); labels' device is checked here.
  check_labels(labels, n, c, cos.device(), "margin_logits");

  Tensor y = Tensor::empty_like(cos);                                // (N, C)
  Tensor dtarget = Tensor::empty({n}, DType::F64, cos.device());  // (N): slope of the target entry, for backward
  dispatch_float(cos.dtype(), "margin_logits", [&](auto t) {
    using S = decltype(t);
    on_device(cos.device(), "margin_logits", margin_forward_cpu<S>, margin_forward_cuda<S>, cos.data<S>(),
              labels.data<int64_t>(), y.data<S>(), dtarget.data<double>(), n, c, p);
  });

  const double s = p.s;
  autograd::record("margin_logits", {cos, labels}, {y},
                   [labels = labels.detach(), dtarget, n, c, s, dt = cos.dtype()](const BackwardCtx& ctx) {
                     std::vector<Tensor> g(2);  // labels: not differentiable
                     if (!ctx.need[0]) return g;
                     Tensor gy = ctx.gy[0].to(dt);
                     g[0] = Tensor::empty({n, c}, dt, dtarget.device());
                     dispatch_float(dt, "margin_logits backward", [&](auto t) {
                       using S = decltype(t);
                       on_device(dtarget.device(), "margin_logits backward", margin_backward_cpu<S>,
                                 margin_backward_cuda<S>, labels.data<int64_t>(), dtarget.data<double>(),
                                 gy.data<S>(), g[0].data<S>(), n, c, s);
                     });
                     return g;
                   });
  return y;
}

}  // namespace kd
