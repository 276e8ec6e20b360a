#include "kernels/softmax/softmax.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/softmax/softmax_cpu.h"
#include "kernels/softmax/softmax_cuda.h"

namespace kd {
namespace {

Tensor softmax_impl(const Tensor& z, double T, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  check_dim(z, 2, log ? "log_softmax: z" : "softmax: z");
  check_floating(z, op);
  KD_CHECK(std::isfinite(T) && T > 0, op, ": temperature must be positive and finite, got ", T);
  const int64_t n = z.size(0), c = z.size(1);
  KD_CHECK(c > 0, op, ": z has no classes, shape ", shape_str(z.shape()));
  const double inv_t = 1.0 / T;

  Tensor y = Tensor::empty_like(z);  // (N, C)
  dispatch_float(z.dtype(), op, [&](auto t) {
    using S = decltype(t);
    on_device(z.device(), op, softmax_forward_cpu<S>, softmax_forward_cuda<S>, z.data<S>(), y.data<S>(), n, c, inv_t,
              log);
  });

  // Backward needs only the output (softmax and log-softmax are their own derivatives).
  autograd::record(op, {z}, {y}, [y = y.detach(), n, c, inv_t, log](const BackwardCtx& ctx) {
    std::vector<Tensor> g(1);
    if (!ctx.need[0]) return g;
    Tensor gy = ctx.gy[0].to(y.dtype());
    g[0] = Tensor::empty_like(y);
    dispatch_float(y.dtype(), "softmax backward", [&](auto t) {
      using S = decltype(t);
      if (log)
        on_device(y.device(), "softmax backward", log_softmax_backward_cpu<S>, log_softmax_backward_cuda<S>,
                  y.data<S>(), gy.data<S>(), g[0].data<S>(), n, c, inv_t);
      else
        on_device(y.device(), "softmax backward", softmax_backward_cpu<S>, softmax_backward_cuda<S>, y.data<S>(),
                  gy.data<S>(), g[0].data<S>(), n, c, inv_t);
    });
    return g;
  });
  return y;
}

}  // namespace

Tensor softmax(const Tensor& z, double T) { return softmax_impl(z, T, false); }
Tensor log_softmax(const Tensor& z, double T) { return softmax_impl(z, T, true); }

}  // namespace kd
