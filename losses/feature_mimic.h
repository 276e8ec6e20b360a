#pragma once
// Feature mimic of seed 003 ("Efficient Low-Resolution Face Recognition via Bridge
// Distillation"): the student's embedding, through a learned linear map when its width
// differs from the teacher's (tiny: 128 vs r18x/r100x: 512), regresses the teacher's.
#include <cstdint>

#include "engine/module.h"

namespace kd::losses {

// mean over all elements of (f_s - f_t)^2, the teacher detached. (N, D) each. Scalar.
Tensor feature_mimic(const Tensor& f_student, const Tensor& f_teacher);

class FeatureMimic : public Module {
 public:
  // student_dim == teacher_dim: no parameters (the plain loss). Otherwise parameter
  // "proj.weight" (teacher_dim, student_dim), nn.Linear's init from seed, no bias (the
  // teacher's embedding ends in a BatchNorm, so it is centred already).
  FeatureMimic(int64_t student_dim, int64_t teacher_dim, uint64_t seed);
  // feature_mimic(f_s W^T, f_t); f_s (N, student_dim), f_t (N, teacher_dim).
  Tensor forward(const Tensor& f_student, const Tensor& f_teacher) const;

 private:
  int64_t sd_, td_;
};

}  // namespace kd::losses
