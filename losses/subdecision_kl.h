#pragma once
// The sub-decision losses of seed 001 ("Consistent Sub-Decision Network for Low-Quality Masked
// Face Recognition") as functions of the n sub-decisions' logits; docs/methods.md has the maths.
#include <vector>

#include "engine/tensor.h"

namespace kd::losses {

// Per row of z (N, C): I = sum_c p_c log p_c with p = softmax(z / T), the negative entropy
// (0 for a one-hot decision, -log C for a uniform one). Host values; no graph.
std::vector<double> sub_decision_information(const Tensor& z, double T);

// The weighted pull of every sub-decision toward the more informative ones:
//   L = (1/N) sum_i sum_k sum_{j != k} a_ijk KL(q_ij || p_ik),
//   p_k = softmax(logits[k] / T) (differentiable), q_j = softmax(targets[j] / T) (constants),
//   a_ijk = w_ij * g(I_ij - I_ik), g(d) = 1 for d > 0, 1/2 for d = 0, 0 for d < 0,
// with I the information of the targets. Both orderings of every pair are evaluated and the
// gate keeps the one that points from the less to the more informative sub-decision, so each
// side of a pair can be the teacher (per sample). weights (N, n) are constants here.
// logits and targets: n >= 2 tensors (N, C) each. Scalar.
Tensor weighted_pull_kl(const std::vector<Tensor>& logits, const std::vector<Tensor>& targets,
                        const Tensor& weights, double T);

// The training loss: weighted_pull_kl with the targets and the concept weights detached
// (stop-gradient on the target side, so a high-information decision is not pulled down).
Tensor subdecision_kl(const std::vector<Tensor>& sub_logits, const Tensor& weights, double T);

// Consistency C_i = 1 - JS_i / log n in [0, 1], JS_i = H(mean_k p_ik) - mean_k H(p_ik) (the
// generalised Jensen-Shannon divergence of the n distributions p_k = softmax(z_k / T), at most
// log n). 1 when every sub-decision agrees (and for n = 1). (N), on the logits' device, no graph.
Tensor consistency_score(const std::vector<Tensor>& sub_logits, double T);

// Cosine embedding distillation: mean over the batch of 1 - cos(e_student, e_teacher), the
// teacher (run on the unmasked face) detached. (N, D) each. Scalar.
Tensor embedding_cosine_kd(const Tensor& e_student, const Tensor& e_teacher);

}  // namespace kd::losses
