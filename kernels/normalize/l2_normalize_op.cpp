#include "kernels/normalize/l2_normalize.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/normalize/l2_normalize_cpu.h"
#include "kernels/normalize/l2_normalize_cuda.h"

namespace kd {

Tensor l2_normalize(const Tensor& x, double eps) {
  check_dim(x, 2, "l2_normalize: x");
  check_floating(x, "l2_normalize: x");
  KD_CHECK(std::isfinite(eps) && eps > 0, "l2_normalize: eps must be positive and finite, got ", eps);
  const int64_t n = x.size(0), d = x.size(1);

  Tensor y = Tensor::empty_like(x);                // (N, D)
  Tensor norm = Tensor::empty({n}, DType::F64, x.device());  // (N), saved for backward
  dispatch_float(x.dtype(), "l2_normalize", [&](auto t) {
    using S = decltype(t);
    on_device(x.device(), "l2_normalize", l2_normalize_forward_cpu<S>, l2_normalize_forward_cuda<S>, x.data<S>(),
              y.data<S>(), norm.data<double>(), n, d, eps);
  });

  autograd::record("l2_normalize", {x}, {y}, [y = y.detach(), norm, n, d, eps](const BackwardCtx& ctx) {
    std::vector<Tensor> g(1);
    if (!ctx.need[0]) return g;
    Tensor gy = ctx.gy[0].to(y.dtype());
    g[0] = Tensor::empty_like(y);
    dispatch_float(y.dtype(), "l2_normalize backward", [&](auto t) {
      using S = decltype(t);
      on_device(y.device(), "l2_normalize backward", l2_normalize_backward_cpu<S>, l2_normalize_backward_cuda<S>,
                y.data<S>(), norm.data<double>(), gy.data<S>(), g[0].data<S>(), n, d, eps);
    });
    return g;
  });
  return y;
}

}  // namespace kd
