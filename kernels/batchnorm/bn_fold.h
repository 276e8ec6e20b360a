#pragma once
// Eval-mode BatchNorm folded into the convolution before it, for inference:
//   k[o] = gamma[o] / sqrt(var[o] + eps),  w'[o] = k[o] w[o],  b'[o] = beta[o] + k[o] (bias[o] - mean[o])
// so conv(x, w') + b' = BN(conv(x, w) + bias) exactly in real arithmetic (float rounding
// differs by a few ulps). Not differentiable: only for forwards run without recording.
#include "engine/tensor.h"

namespace kd {

struct FoldedConv {
  Tensor w;  // like w
  Tensor b;  // (O)
};

// w (O, ...); bias (O) or undefined; gamma, beta, mean, var (O); all on one device.
FoldedConv fold_batch_norm(const Tensor& w, const Tensor& bias, const Tensor& gamma, const Tensor& beta,
                           const Tensor& mean, const Tensor& var, double eps);

// The raw loop, shared by the CPU path and its CUDA twin (bn_fold_cuda.cu): per_o = numel(w) / O.
template <class T>
void fold_batch_norm_cpu(const T* w, const T* bias, const T* gamma, const T* beta, const T* mean, const T* var,
                         double eps, int64_t O, int64_t per_o, T* w_out, T* b_out);
template <class T>
void fold_batch_norm_cuda(const T* w, const T* bias, const T* gamma, const T* beta, const T* mean, const T* var,
                          double eps, int64_t O, int64_t per_o, T* w_out, T* b_out);

}  // namespace kd
