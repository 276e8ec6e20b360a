#include <cmath>
#include <vector>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/kd_kl/kd_kl.h"
#include "kernels/kd_kl/kd_kl_cpu.h"
#include "kernels/kd_kl/kd_kl_cuda.h"

namespace kd {

Tensor kd_softmax_kl(const Tensor& z_s, const Tensor& z_t, double T) {
  KD_CHECK(std::isfinite(T) && T > 0, "kd_softmax_kl: temperature T must be positive and finite, got ", T);
  check_dim(z_s, 2, "kd_softmax_kl: z_s (student logits)");
  check_floating(z_s, "kd_softmax_kl: z_s (student logits)");
  check_shape(z_t, z_s.shape(), "kd_softmax_kl: z_t (teacher logits, must match z_s)");
  check_same_dtype_device(z_s, z_t, "kd_softmax_kl: z_s and z_t");
  const int64_t n = z_s.size(0), c = z_s.size(1);
  KD_CHECK(n > 0 && c > 0, "kd_softmax_kl: z_s must have at least one sample and one class, got shape ",
           shape_str(z_s.shape()));
  const Device dev = z_s.device();

  const double inv_t = 1.0 / T;
  Tensor loss = Tensor::empty({}, z_s.dtype(), dev);
  Tensor lse_s = Tensor::empty({n}, DType::F64, dev);  // (N) saved for backward
  Tensor lse_t = Tensor::empty({n}, DType::F64, dev);  // (N) saved for backward
  on_device(
      dev, "kd_softmax_kl",
      [&] {
        std::vector<double> rows(static_cast<size_t>(n));
        dispatch_float(z_s.dtype(), "kd_softmax_kl", [&](auto t) {
          using S = decltype(t);
          kd_kl_forward_cpu<S>(z_s.data<S>(), z_t.data<S>(), inv_t, lse_s.data<double>(), lse_t.data<double>(),
                               rows.data(), n, c);
          double total = 0;
          for (double r : rows) total += r;  // in row order: independent of the thread count
          loss.data<S>()[0] = S(T * T * total / double(n));
        });
      },
      [&] {
        Tensor rows = Tensor::empty({n}, DType::F64, dev);  // (N) scratch: T^2 KL per row
        dispatch_float(z_s.dtype(), "kd_softmax_kl", [&](auto t) {
          using S = decltype(t);
          kd_kl_forward_cuda<S>(z_s.data<S>(), z_t.data<S>(), inv_t, T * T, lse_s.data<double>(),
                                lse_t.data<double>(), rows.data<double>(), loss.data<S>(), n, c);
        });
      });

  // z_t is deliberately not an input of the node: the teacher gets no gradient from this loss,
  // and its graph (if it was recorded at all) is not traversed.
  autograd::record("kd_softmax_kl", {z_s}, {loss},
                   [z_s = z_s.detach(), z_t = z_t.detach(), lse_s, lse_t, inv_t, T, n, c](const BackwardCtx& ctx) {
                     std::vector<Tensor> g(1);
                     if (!ctx.need[0]) return g;
                     g[0] = Tensor::empty_like(z_s);
                     on_device(
                         z_s.device(), "kd_softmax_kl backward",
                         [&] {
                           const double scale = ctx.gy[0].item() * T / double(n);
                           dispatch_float(z_s.dtype(), "kd_softmax_kl backward", [&](auto t) {
                             using S = decltype(t);
                             kd_kl_backward_cpu<S>(z_s.data<S>(), z_t.data<S>(), inv_t, lse_s.data<double>(),
                                                   lse_t.data<double>(), scale, g[0].data<S>(), n, c);
                           });
                         },
                         [&] {
                           Tensor gy = ctx.gy[0].to(z_s.dtype());  // stays on the device
                           dispatch_float(z_s.dtype(), "kd_softmax_kl backward", [&](auto t) {
                             using S = decltype(t);
                             kd_kl_backward_cuda<S>(z_s.data<S>(), z_t.data<S>(), inv_t, lse_s.data<double>(),
                                                    lse_t.data<double>(), gy.data<S>(), T / double(n), g[0].data<S>(),
                                                    n, c);
                           });
                         });
                     return g;
                   });
  return loss;
}

}  // namespace kd
