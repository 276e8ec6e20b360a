#pragma once
// Distillation losses as compositions of the differentiable ops (seed papers 000 and 002).
#include <vector>

#include "engine/tensor.h"

namespace kd::losses {

// Row-wise cosine similarity of a, b (N, D) -> (N).
Tensor cosine_rows(const Tensor& a, const Tensor& b);

// T^2 KL(softmax(z_t / T) || softmax(z_s / T)), batch mean (seed 000, eq. 5); one fused op
// (kernels/kd_kl), no gradient into z_teacher.
Tensor kd_logit(const Tensor& z_student, const Tensor& z_teacher, double T);

// One stage end's maps: ca (N, C, 1, 1), sa (N, 1, H, W).
struct AttentionMaps {
  Tensor ca, sa;
};
// sum over stages of mean over the batch of ((1 - cos(ca_s, ca_t)) + (1 - cos(sa_s, sa_t))) / 2,
// maps flattened per sample (seed 000, eq. 7-8; A-SKD). Channel maps compare channel c with
// channel c, so they only mean something between equal widths; channel_maps = false keeps the
// spatial term alone (sum over stages of mean of 1 - cos(sa_s, sa_t)) for a narrower student.
Tensor kd_attention(const std::vector<AttentionMaps>& student, const std::vector<AttentionMaps>& teacher,
                    bool channel_maps = true);

// mean over the batch of 1 - cos(f_s, f_t) (seed 002, instance level).
Tensor kd_instance(const Tensor& f_student, const Tensor& f_teacher);

// mean over all i, j of (cos(fs_i, fs_j) - cos(ft_i, ft_j))^2 (seed 002, relation level).
Tensor kd_relation(const Tensor& f_student, const Tensor& f_teacher);

}  // namespace kd::losses
