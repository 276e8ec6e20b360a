#include "losses/subdecision_kl.h"

#include <cmath>

#include "kernels/elementwise/elementwise.h"
#include "kernels/reduce/reduce.h"
#include "kernels/softmax/softmax.h"
#include "losses/kd_losses.h"

namespace kd::losses {

namespace {

// Row softmax of z / T on the host in double: (N, C) values, row-major.
std::vector<double> host_softmax(const Tensor& z, double T) {
  std::vector<double> v = z.detach().to(cpu()).to(DType::F64).to_vector<double>();
  const int64_t n = z.size(0), c = z.size(1);
  for (int64_t i = 0; i < n; ++i) {
    double* r = v.data() + i * c;
    double mx = r[0];
    for (int64_t j = 1; j < c; ++j) mx = std::fmax(mx, r[j]);
    double sum = 0;
    for (int64_t j = 0; j < c; ++j) sum += (r[j] = std::exp((r[j] - mx) / T));
    for (int64_t j = 0; j < c; ++j) r[j] /= sum;
  }
  return v;
}

double xlogx(double x) { return x > 0 ? x * std::log(x) : 0.0; }

void check_sub_logits(const std::vector<Tensor>& z, size_t min_n, const char* op) {
  KD_CHECK(z.size() >= min_n, op, ": needs at least ", min_n, " sub-decisions, got ", z.size());
  check_dim(z[0], 2, op);
  check_floating(z[0], op);
  for (size_t k = 1; k < z.size(); ++k) {
    check_shape(z[k], z[0].shape(), op);
    check_same_dtype_device(z[k], z[0], op);
  }
}

void check_temperature(double T, const char* op) {
  KD_CHECK(std::isfinite(T) && T > 0, op, ": temperature must be positive and finite, got ", T);
}

}  // namespace

std::vector<double> sub_decision_information(const Tensor& z, double T) {
  check_dim(z, 2, "sub_decision_information: z");
  check_temperature(T, "sub_decision_information");
  const int64_t n = z.size(0), c = z.size(1);
  std::vector<double> p = host_softmax(z, T), info(size_t(n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < c; ++j) info[size_t(i)] += xlogx(p[size_t(i * c + j)]);
  return info;
}

Tensor weighted_pull_kl(const std::vector<Tensor>& logits, const std::vector<Tensor>& targets,
                        const Tensor& weights, double T) {
  check_sub_logits(logits, 2, "weighted_pull_kl: logits");
  check_temperature(T, "weighted_pull_kl");
  KD_CHECK(targets.size() == logits.size(), "weighted_pull_kl: ", logits.size(), " sub-decisions but ",
           targets.size(), " targets");
  for (auto& t : targets) check_shape(t, logits[0].shape(), "weighted_pull_kl: target");
  const int64_t nsub = int64_t(logits.size()), n = logits[0].size(0), c = logits[0].size(1);
  check_shape(weights, {n, nsub}, "weighted_pull_kl: weights (N, n)");
  std::vector<double> w = weights.detach().to(cpu()).to(DType::F64).to_vector<double>();  // (N, n)

  std::vector<std::vector<double>> q(static_cast<size_t>(nsub)), info(static_cast<size_t>(nsub));  // n x (N, C), n x (N)
  for (int64_t k = 0; k < nsub; ++k) {
    q[size_t(k)] = host_softmax(targets[size_t(k)], T);
    info[size_t(k)] = sub_decision_information(targets[size_t(k)], T);
  }
  // sum_c q log q of every active pair: the constant that makes each term a true KL (>= 0),
  // so the logged value means something; it carries no gradient.
  double constant = 0;
  Tensor total;
  for (int64_t k = 0; k < nsub; ++k) {
    std::vector<double> target(size_t(n * c), 0.0);  // (N, C): sum_{j != k} a_ijk q_ij
    bool any = false;
    for (int64_t j = 0; j < nsub; ++j) {
      if (j == k) continue;
      for (int64_t i = 0; i < n; ++i) {
        const double d = info[size_t(j)][size_t(i)] - info[size_t(k)][size_t(i)];
        const double a = w[size_t(i * nsub + j)] * (d > 0 ? 1.0 : d == 0 ? 0.5 : 0.0);
        if (a == 0) continue;
        any = true;
        const double* qj = q[size_t(j)].data() + i * c;
        for (int64_t m = 0; m < c; ++m) {
          target[size_t(i * c + m)] += a * qj[m];
          constant += a * xlogx(qj[m]);
        }
      }
    }
    if (!any) continue;  // sub-decision k is the most informative for every sample
    const Tensor& z = logits[size_t(k)];
    Tensor tgt = Tensor::from(target, {n, c}).to(z.dtype());
    if (!z.device().is_cpu()) tgt = tgt.to(z.device());
    // -(1/N) sum_i sum_c target_ic log p_ikc: the cross-entropy part of the KLs
    Tensor term = scale(sum(mul(tgt, log_softmax(z, T))), -1.0 / double(n));
    total = total.defined() ? add(total, term) : term;
  }
  if (!total.defined()) {
    // no active pair (n sub-decisions with zero weights): a zero that still depends on the
    // logits, so backward finds a path and gives zeros
    return scale(sum(logits[0]), 0.0);
  }
  return add_scalar(total, constant / double(n));
}

Tensor subdecision_kl(const std::vector<Tensor>& sub_logits, const Tensor& weights, double T) {
  std::vector<Tensor> targets;
  for (auto& z : sub_logits) targets.push_back(z.detach());
  return weighted_pull_kl(sub_logits, targets, weights.detach(), T);
}

Tensor consistency_score(const std::vector<Tensor>& sub_logits, double T) {
  check_sub_logits(sub_logits, 1, "consistency_score: sub_logits");
  check_temperature(T, "consistency_score");
  const int64_t nsub = int64_t(sub_logits.size()), n = sub_logits[0].size(0), c = sub_logits[0].size(1);
  std::vector<double> score(size_t(n), 1.0);
  if (nsub > 1) {
    std::vector<std::vector<double>> p;
    for (auto& z : sub_logits) p.push_back(host_softmax(z, T));
    for (int64_t i = 0; i < n; ++i) {
      double h_of_mean = 0, mean_h = 0;
      for (int64_t m = 0; m < c; ++m) {
        double pm = 0;
        for (int64_t k = 0; k < nsub; ++k) {
          const double v = p[size_t(k)][size_t(i * c + m)];
          pm += v;
          mean_h -= xlogx(v);
        }
        h_of_mean -= xlogx(pm / double(nsub));
      }
      const double js = std::fmax(0.0, h_of_mean - mean_h / double(nsub));  // >= 0 up to rounding
      score[size_t(i)] = std::fmin(1.0, std::fmax(0.0, 1.0 - js / std::log(double(nsub))));
    }
  }
  Tensor out = Tensor::from(score, {n}).to(sub_logits[0].dtype());
  return sub_logits[0].device().is_cpu() ? out : out.to(sub_logits[0].device());
}

Tensor embedding_cosine_kd(const Tensor& e_student, const Tensor& e_teacher) {
  check_dim(e_student, 2, "embedding_cosine_kd: student embedding");
  check_shape(e_teacher, e_student.shape(), "embedding_cosine_kd: teacher embedding");
  return kd_instance(e_student, e_teacher.detach());
}

}  // namespace kd::losses
