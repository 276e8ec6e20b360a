#pragma once
// margin_cross_entropy (margin_ce.h) over a class dimension split across data-parallel ranks:
// the sharded ("model-parallel") margin head that lets 100,000+ identities fit. Each rank
// holds the cosines of the whole global batch against its own classes
// [class_offset, class_offset + C_r); a row's softmax spans every rank's classes through two
// collectives per step: the row maxima (max over ranks), then the sums of exponentials packed
// with the target logits (sum over ranks; the target is non-zero on its owner only). Exact,
// not sampled: the loss and the gradient of each shard equal the unsharded head's.
//   loss = mean_i [ max_i + log(sum_r sum_j exp(z_ij - max_i)) - z_i,y_i ]  (same on every rank)
//   g_cos_ij = (g s / M) (p_ij - [j == y_i]) (* dtarget/dt at the target), p over all classes
// Computed on the CPU; device cosines are staged through host memory (a device kernel is future
// work). kernels/ knows no MPI, so the caller supplies the collectives.
#include <functional>

#include "engine/tensor.h"
#include "kernels/margin/margin.h"

namespace kd {

struct ShardCollectives {
  std::function<void(const Tensor&)> max;  // in place, elementwise over ranks
  std::function<void(const Tensor&)> sum;  // in place, elementwise over ranks
};

// cos (M, C_r) float; labels int64 (M) global class ids in [0, C).
Tensor sharded_margin_cross_entropy(const Tensor& cos, const Tensor& labels, int64_t class_offset,
                                    const MarginParams& p, const ShardCollectives& ranks);

}  // namespace kd
