#include "kernels/softmax/softmax.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/softmax/softmax_cpu.h"
#ifdef KDFACE_HAVE_CUDA
#include "kernels/softmax/softmax_cuda.h"
#endif

namespace kd {
namespace {

Tensor softmax_impl(const Tensor& z, double T, bool log) {
  const char* op = log ? "log_softmax" : "softmax";
  check_dim(z, 2, log ? "log_softmax: z" : "softmax: z");
  check_floating(z, op);
  KD_CHECK(std::isfinite(T) && T > 0, op, ": temperature must be positive and finite, got ", T);
  if (!z.device().is_cpu() && !z.device().is_cuda()) no_device_kernel(op, z.device());
  const int64_t n = z.size(0), c = z.size(1);
  KD_CHECK(c > 0, op, ": z has no classes, shape ", shape_str(z.shape()));
  const double inv_t = 1.0 / T;

  Tensor y = Tensor::empty_like(z);  // (N, C)
  dispatch_float(z.dtype(), op, [&](auto t) {
    using S = decltype(t);
    if (z.device().is_cpu()) {
      softmax_forward_cpu<S>(z.data<S>(), y.data<S>(), n, c, inv_t, log);
    } else {
#ifdef KDFACE_HAVE_CUDA
      softmax_forward_cuda<S>(z.data<S>(), y.data<S>(), n, c, inv_t, log);
#else
      no_device_kernel(op, z.device());
#endif
    }
  });

  // Backward needs only the output (softmax and log-softmax are their own derivatives).
  autograd::record(op, {z}, {y}, [y = y.detach(), n, c, inv_t, log](const BackwardCtx& ctx) {
    std::vector<Tensor> g(1);
    if (!ctx.need[0]) return g;
    Tensor gy = ctx.gy[0].to(y.dtype());
    g[0] = Tensor::empty_like(y);
    dispatch_float(y.dtype(), "softmax backward", [&](auto t) {
      using S = decltype(t);
      if (y.device().is_cpu()) {
        if (log)
          log_softmax_backward_cpu<S>(y.data<S>(), gy.data<S>(), g[0].data<S>(), n, c, inv_t);
        else
          softmax_backward_cpu<S>(y.data<S>(), gy.data<S>(), g[0].data<S>(), n, c, inv_t);
      } else {
#ifdef KDFACE_HAVE_CUDA
        if (log)
          log_softmax_backward_cuda<S>(y.data<S>(), gy.data<S>(), g[0].data<S>(), n, c, inv_t);
        else
          softmax_backward_cuda<S>(y.data<S>(), gy.data<S>(), g[0].data<S>(), n, c, inv_t);
#else
        no_device_kernel("softmax backward", y.device());
#endif
      }
    });
    return g;
  });
  return y;
}

}  // namespace

Tensor softmax(const Tensor& z, double T) { return softmax_impl(z, T, false); }
Tensor log_softmax(const Tensor& z, double T) { return softmax_impl(z, T, true); }

}  // namespace kd
