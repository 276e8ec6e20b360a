#include "kernels/batchnorm/bn_fold.h"

#include <cmath>

#include "engine/autograd.h"
#include "engine/dispatch.h"

namespace kd {

template <class T>
void fold_batch_norm_cpu(const T* w, const T* bias, const T* gamma, const T* beta, const T* mean, const T* var,
                         double eps, int64_t O, int64_t per_o, T* w_out, T* b_out) {
  for (int64_t o = 0; o < O; ++o) {
    const double k = double(gamma[o]) / std::sqrt(double(var[o]) + eps);
    const T kt = T(k);
    for (int64_t i = 0; i < per_o; ++i) w_out[o * per_o + i] = w[o * per_o + i] * kt;
    b_out[o] = T(double(beta[o]) + k * ((bias ? double(bias[o]) : 0.0) - double(mean[o])));
  }
}

template void fold_batch_norm_cpu<float>(const float*, const float*, const float*, const float*, const float*,
                                         const float*, double, int64_t, int64_t, float*, float*);
template void fold_batch_norm_cpu<double>(const double*, const double*, const double*, const double*, const double*,
                                          const double*, double, int64_t, int64_t, double*, double*);

FoldedConv fold_batch_norm(const Tensor& w, const Tensor& bias, const Tensor& gamma, const Tensor& beta,
                           const Tensor& mean, const Tensor& var, double eps) {
  KD_CHECK(w.dim() >= 1, "fold_batch_norm: w must have an output dimension, got ", shape_str(w.shape()));
  const int64_t O = w.size(0);
  for (const Tensor* t : {&gamma, &beta, &mean, &var}) {
    check_shape(*t, {O}, "fold_batch_norm: BatchNorm vectors (one per output channel)");
    check_same_dtype_device(w, *t, "fold_batch_norm: w and the BatchNorm vectors");
  }
  if (bias.defined()) {
    check_shape(bias, {O}, "fold_batch_norm: bias");
    check_same_dtype_device(w, bias, "fold_batch_norm: w and bias");
  }
  KD_CHECK(!autograd::needs_grad({w, bias, gamma, beta}),
           "fold_batch_norm: inference only; run it with gradient recording off (autograd::NoGradGuard)");
  FoldedConv f{Tensor::empty_like(w), Tensor::empty({O}, w.dtype(), w.device())};
  const int64_t per_o = O ? w.numel() / O : 0;
  dispatch_float(w.dtype(), "fold_batch_norm", [&](auto t) {
    using T = decltype(t);
    const T* bp = bias.defined() ? bias.data<T>() : nullptr;
    on_device(w.device(), "fold_batch_norm", fold_batch_norm_cpu<T>, fold_batch_norm_cuda<T>, w.data<T>(), bp,
              gamma.data<T>(), beta.data<T>(), mean.data<T>(), var.data<T>(), eps, O, per_o, f.w.data<T>(),
              f.b.data<T>());
  });
  return f;
}

}  // namespace kd
