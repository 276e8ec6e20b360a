#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/loss/loss.h"
#include "kernels/loss/loss_cpu.h"
#include "kernels/loss/loss_cuda.h"

namespace kd {

Tensor kl_div(const Tensor& log_q, const Tensor& p) {
  check_dim(log_q, 2, "kl_div: log_q");
  check_floating(log_q, "kl_div: log_q");
  check_shape(p, log_q.shape(), "kl_div: p (must match log_q)");
  check_same_dtype_device(log_q, p, "kl_div: log_q and p");
  const int64_t n = log_q.size(0), c = log_q.size(1);
  KD_CHECK(n > 0, "kl_div: empty batch, shape ", shape_str(log_q.shape()));

  Tensor loss = Tensor::empty({}, log_q.dtype(), log_q.device());
  dispatch_float(log_q.dtype(), "kl_div", [&](auto t) {
    using S = decltype(t);
    // "batchmean": divided by the batch size, not by n * c.
    on_device(
        log_q.device(), "kl_div",
        [&] { loss.data<S>()[0] = S(kl_div_forward_cpu<S>(log_q.data<S>(), p.data<S>(), n, c) / double(n)); },
        [&] {
          Tensor rows = Tensor::empty({n}, DType::F64, log_q.device());
          kl_div_forward_cuda<S>(log_q.data<S>(), p.data<S>(), rows.data<double>(), loss.data<S>(), n, c);
        });
  });

  autograd::record("kl_div", {log_q, p}, {loss}, [log_q = log_q.detach(), p = p.detach(), n, c](const BackwardCtx& ctx) {
    std::vector<Tensor> g(2);
    if (!ctx.need[0] && !ctx.need[1]) return g;
    if (ctx.need[0]) g[0] = Tensor::empty_like(log_q);
    if (ctx.need[1]) g[1] = Tensor::empty_like(p);
    on_device(
        log_q.device(), "kl_div backward",
        [&] {
          const double scale = ctx.gy[0].item() / double(n);
          dispatch_float(log_q.dtype(), "kl_div backward", [&](auto t) {
            using S = decltype(t);
            kl_div_backward_cpu<S>(log_q.data<S>(), p.data<S>(), scale, ctx.need[0] ? g[0].data<S>() : nullptr,
                                   ctx.need[1] ? g[1].data<S>() : nullptr, n, c);
          });
        },
        [&] {
          Tensor gy = ctx.gy[0].to(log_q.dtype());  // stays on the device
          dispatch_float(log_q.dtype(), "kl_div backward", [&](auto t) {
            using S = decltype(t);
            kl_div_backward_cuda<S>(log_q.data<S>(), p.data<S>(), gy.data<S>(),
                                    ctx.need[0] ? g[0].data<S>() : nullptr, ctx.need[1] ? g[1].data<S>() : nullptr, n,
                                    c);
          });
        });
    return g;
  });
  return loss;
}

}  // namespace kd
