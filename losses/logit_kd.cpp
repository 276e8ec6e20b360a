#include "losses/logit_kd.h"

#include <cmath>

#include "kernels/elementwise/elementwise.h"
#include "kernels/loss/loss.h"
#include "losses/kd_losses.h"

namespace kd::losses {

Tensor kd_logit_hard(const Tensor& z_hard, const Tensor& labels, const Tensor& z_s, const Tensor& z_t,
                     const LogitKdParams& p) {
  KD_CHECK(std::isfinite(p.alpha) && p.alpha >= 0 && p.alpha <= 1, "kd_logit_hard: alpha must be in [0, 1], got ",
           p.alpha);
  check_dim(z_hard, 2, "kd_logit_hard: z_hard");
  check_shape(z_s, z_hard.shape(), "kd_logit_hard: z_s (student logits, same shape as z_hard)");
  // kd_logit checks T and the teacher's shape; detach so a teacher run with gradients on
  // (a jointly trained teacher) is still only a target here.
  Tensor soft = kd_logit(z_s, z_t.detach(), p.T);
  Tensor hard = cross_entropy(z_hard, labels);
  return add(scale(hard, 1.0 - p.alpha), scale(soft, p.alpha));
}

}  // namespace kd::losses
