#pragma once
// Logit distillation with the hard-label term (seed 000, A-SKD eq. 5-6, Hinton et al.'s form).
#include "engine/tensor.h"

namespace kd::losses {

struct LogitKdParams {
  double T = 4.0;      // temperature of both softened distributions
  double alpha = 0.5;  // share of the soft (distillation) term; 1 - alpha goes to the hard label
};

// (1 - alpha) CE(z_hard, y) + alpha T^2 KL(softmax(z_t / T) || softmax(z_s / T)), batch means.
// z_hard is what the hard-label loss reads: the student's plain logits z_s for softmax CE, or
// its margin logits (ArcFace / CosFace) when the classifier is a margin head; z_s and z_t are
// the margin-free logits (s cos) of student and teacher. The teacher side carries no gradient.
// z_hard, z_s, z_t (N, C); labels int64 (N). Scalar.
Tensor kd_logit_hard(const Tensor& z_hard, const Tensor& labels, const Tensor& z_s, const Tensor& z_t,
                     const LogitKdParams& p);

}  // namespace kd::losses
