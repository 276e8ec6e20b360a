#include "kernels/batchnorm/batchnorm.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/batchnorm/batchnorm_cpu.h"
#include "kernels/batchnorm/batchnorm_cuda.h"

namespace kd {

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  check_floating(x, "batch_norm: x");
  KD_CHECK(x.dim() == 2 || x.dim() == 4, "batch_norm: x must be (N, C) or (N, C, H, W), got shape ",
           shape_str(x.shape()));
  const int64_t N = x.size(0), C = x.size(1), S = x.dim() == 4 ? x.size(2) * x.size(3) : 1;
  check_shape(gamma, {C}, "batch_norm: gamma");
  check_shape(beta, {C}, "batch_norm: beta");
  check_shape(running_mean, {C}, "batch_norm: running_mean");
  check_shape(running_var, {C}, "batch_norm: running_var");
  check_same_dtype_device(x, gamma, "batch_norm: x and gamma");
  check_same_dtype_device(x, beta, "batch_norm: x and beta");
  check_same_dtype_device(x, running_mean, "batch_norm: x and running_mean");
  check_same_dtype_device(x, running_var, "batch_norm: x and running_var");
  KD_CHECK(eps > 0, "batch_norm: eps must be positive, got ", eps);
  KD_CHECK(momentum >= 0 && momentum <= 1, "batch_norm: momentum must be in [0, 1], got ", momentum);
  // The unbiased running variance divides by N * S - 1.
  KD_CHECK(!training || N * S > 1, "batch_norm: expected more than 1 value per channel when training, got x of shape ",
           shape_str(x.shape()));

  Tensor y = Tensor::empty_like(x);
  // what normalised x
  Tensor mean = Tensor::empty({C}, x.dtype(), x.device()), invstd = Tensor::empty({C}, x.dtype(), x.device());
  dispatch_float(x.dtype(), "batch_norm", [&](auto t) {
    using T = decltype(t);
    if (training)
      on_device(x.device(), "batch_norm", batch_norm_train_forward_cpu<T>, batch_norm_train_forward_cuda<T>,
                x.data<T>(), gamma.data<T>(), beta.data<T>(), running_mean.data<T>(), running_var.data<T>(),
                y.data<T>(), mean.data<T>(), invstd.data<T>(), N, C, S, momentum, eps);
    else
      on_device(x.device(), "batch_norm", batch_norm_eval_forward_cpu<T>, batch_norm_eval_forward_cuda<T>,
                x.data<T>(), gamma.data<T>(), beta.data<T>(), running_mean.data<T>(), running_var.data<T>(),
                y.data<T>(), mean.data<T>(), invstd.data<T>(), N, C, S, eps);
  });

  autograd::record(
      "batch_norm", {x, gamma, beta, running_mean, running_var}, {y},
      [x = x.detach(), gamma = gamma.detach(), mean, invstd, training, N, C, S](const BackwardCtx& c) {
        Tensor gy = c.gy[0].to(x.dtype());
        Tensor gx = c.need[0] ? Tensor::empty_like(x) : Tensor();
        Tensor dgamma = c.need[1] ? Tensor::empty_like(gamma) : Tensor();
        Tensor dbeta = c.need[2] ? Tensor::empty_like(gamma) : Tensor();
        dispatch_float(x.dtype(), "batch_norm backward", [&](auto t) {
          using T = decltype(t);
          auto ptr = [](const Tensor& v) { return v.defined() ? v.data<T>() : nullptr; };
          on_device(x.device(), "batch_norm backward", batch_norm_backward_cpu<T>, batch_norm_backward_cuda<T>,
                    x.data<T>(), gamma.data<T>(), mean.data<T>(), invstd.data<T>(), gy.data<T>(), ptr(gx),
                    ptr(dgamma), ptr(dbeta), N, C, S, training);
        });
        // The running buffers are state, not parameters: no gradient.
        return std::vector<Tensor>{gx, dgamma, dbeta, Tensor(), Tensor()};
      });
  return y;
}

}  // namespace kd
