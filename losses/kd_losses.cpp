#include "losses/kd_losses.h"

#include "kernels/elementwise/elementwise.h"
#include "kernels/kd_kl/kd_kl.h"
#include "kernels/matmul/matmul.h"
#include "kernels/normalize/l2_normalize.h"
#include "kernels/reduce/reduce.h"
#include "kernels/shape/shape_ops.h"

namespace kd::losses {

Tensor cosine_rows(const Tensor& a, const Tensor& b) {
  check_dim(a, 2, "cosine_rows: a");
  check_shape(b, a.shape(), "cosine_rows: b");
  return sum_dim(mul(l2_normalize(a), l2_normalize(b)), 1);
}

Tensor kd_logit(const Tensor& z_student, const Tensor& z_teacher, double T) {
  KD_CHECK(T > 0, "kd_logit: temperature must be positive, got ", T);
  check_shape(z_teacher, z_student.shape(), "kd_logit: teacher logits");
  // Fused: the value of scale(kl_div(log_softmax(z_s, T), softmax(z_t, T)), T^2) in one pass,
  // with no gradient into the teacher (docs/ops/kd_softmax.md).
  return kd_softmax_kl(z_student, z_teacher, T);
}

Tensor kd_attention(const std::vector<AttentionMaps>& student, const std::vector<AttentionMaps>& teacher,
                    bool channel_maps) {
  KD_CHECK(!student.empty() && student.size() == teacher.size(), "kd_attention: ", student.size(),
           " student stages vs ", teacher.size(), " teacher stages");
  Tensor total;
  for (size_t i = 0; i < student.size(); ++i) {
    const auto& s = student[i];
    const auto& t = teacher[i];
    check_shape(t.sa, s.sa.shape(), "kd_attention: teacher spatial map");
    Tensor rs = add_scalar(scale(cosine_rows(flatten(s.sa), flatten(t.sa)), -1.0), 1.0);
    Tensor stage;
    if (channel_maps) {
      check_shape(t.ca, s.ca.shape(), "kd_attention: teacher channel map");
      Tensor rc = add_scalar(scale(cosine_rows(flatten(s.ca), flatten(t.ca)), -1.0), 1.0);
      stage = scale(mean(add(rc, rs)), 0.5);
    } else {
      stage = mean(rs);
    }
    total = total.defined() ? add(total, stage) : stage;
  }
  return total;
}

Tensor kd_instance(const Tensor& f_student, const Tensor& f_teacher) {
  return add_scalar(scale(mean(cosine_rows(f_student, f_teacher)), -1.0), 1.0);
}

Tensor kd_relation(const Tensor& f_student, const Tensor& f_teacher) {
  check_shape(f_teacher, f_student.shape(), "kd_relation: teacher embeddings");
  Tensor ns = l2_normalize(f_student), nt = l2_normalize(f_teacher);
  return mean(square(sub(matmul(ns, ns, false, true), matmul(nt, nt, false, true))));
}

}  // namespace kd::losses
