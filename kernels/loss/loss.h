#pragma once
#include "engine/tensor.h"

namespace kd {

// Mean over the batch of -log softmax(z)[label]; z (N, C), labels int64 (N). Scalar result.
Tensor cross_entropy(const Tensor& z, const Tensor& labels);

// PyTorch's F.kl_div(log_q, p, reduction="batchmean"): sum p (log p - log_q) / N, with
// 0 log 0 = 0. log_q and p are (N, C); differentiable in both. Scalar result.
Tensor kl_div(const Tensor& log_q, const Tensor& p);

}  // namespace kd
