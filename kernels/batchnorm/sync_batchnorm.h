#pragma once
// Synchronised BatchNorm for data-parallel training: the batch statistics are those of the
// global batch (every rank's samples), so N ranks with batch B train as one process with batch
// N * B. Built from existing ops plus a caller-supplied sum over ranks (kernels/ knows no MPI).
// Training mode only; PyTorch's SyncBatchNorm formulas:
//   forward   mean = sum(x) / M, var = sum((x - mean)^2) / M over all ranks (M = global count),
//             running buffers as batch_norm.h (unbiased variance M / (M - 1) var);
//   backward  gx = gamma invstd (gy - sum(gy) / M - xhat sum(gy xhat) / M), the two sums over
//             all ranks; dgamma, dbeta are this rank's sums (the gradient reducer averages them).
#include <functional>

#include "engine/tensor.h"

namespace kd {

using RankSum = std::function<void(const Tensor&)>;  // in place: t <- sum of t over ranks

Tensor batch_norm_synced(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                         const Tensor& running_var, double momentum, double eps, const RankSum& rank_sum);

}  // namespace kd
