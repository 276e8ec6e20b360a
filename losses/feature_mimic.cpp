#include "losses/feature_mimic.h"

#include <cmath>

#include "kernels/elementwise/elementwise.h"
#include "kernels/matmul/matmul.h"
#include "kernels/reduce/reduce.h"

namespace kd::losses {

namespace {

struct Proj : Module {
  explicit Proj(Tensor w) { register_parameter("weight", std::move(w)); }
};

}  // namespace

Tensor feature_mimic(const Tensor& f_student, const Tensor& f_teacher) {
  check_dim(f_student, 2, "feature_mimic: student features");
  check_shape(f_teacher, f_student.shape(), "feature_mimic: teacher features (project the student's first)");
  return mean(square(sub(f_student, f_teacher.detach())));
}

FeatureMimic::FeatureMimic(int64_t student_dim, int64_t teacher_dim, uint64_t seed) : sd_(student_dim), td_(teacher_dim) {
  KD_CHECK(student_dim > 0 && teacher_dim > 0, "FeatureMimic: dimensions must be positive, got ", student_dim, " and ",
           teacher_dim);
  if (sd_ == td_) return;
  Generator g(seed);
  const double b = 1.0 / std::sqrt(double(sd_));
  register_module("proj", std::make_shared<Proj>(Tensor::uniform({td_, sd_}, g, -b, b, DType::F64).to(DType::F32)));
}

Tensor FeatureMimic::forward(const Tensor& f_student, const Tensor& f_teacher) const {
  check_dim(f_student, 2, "FeatureMimic: student features");
  KD_CHECK(f_student.size(1) == sd_ && f_teacher.dim() == 2 && f_teacher.size(1) == td_, "FeatureMimic: expected (N, ",
           sd_, ") student and (N, ", td_, ") teacher features, got ", shape_str(f_student.shape()), " and ",
           shape_str(f_teacher.shape()));
  if (sd_ == td_) return feature_mimic(f_student, f_teacher);
  const Tensor w = named_parameters().front().second;  // proj.weight (td, sd)
  check_same_dtype_device(f_student, w, "FeatureMimic: student features vs proj.weight");
  return feature_mimic(linear(f_student, w, Tensor()), f_teacher);
}

}  // namespace kd::losses
