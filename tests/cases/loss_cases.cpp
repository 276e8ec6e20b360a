// Finite-difference cases for cross_entropy (labels fixed) and kl_div (both inputs), and for
// the losses composed in losses/: logit KD with the hard label, the sub-decision KL (targets
// and weights as separate constant inputs, since the loss stops their gradient) and the
// sub-decision head (features in; the seeded dropout masks are fixed, so it is smooth).
#include <cmath>

#include "kernels/loss/loss.h"
#include "losses/logit_kd.h"
#include "losses/subdecision.h"
#include "losses/subdecision_kl.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

Tensor random_labels(int64_t n, int64_t c, Generator& g) {
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (auto& v : y) v = int64_t(g.next_u64() % uint64_t(c));
  return Tensor::from(y, {n});
}

// Rows of softmax(scale * randn) (log = false) or log_softmax (log = true), computed here as
// plain data so the harness sees a proper distribution and no graph.
Tensor random_distribution(int64_t n, int64_t c, double scale, bool log, Generator& g, DType t) {
  std::vector<double> v(static_cast<size_t>(n * c));
  for (auto& x : v) x = scale * g.normal();
  for (int64_t i = 0; i < n; ++i) {
    double* r = v.data() + i * c;
    double mx = r[0], sum = 0;
    for (int64_t j = 1; j < c; ++j) mx = std::fmax(mx, r[j]);
    for (int64_t j = 0; j < c; ++j) sum += std::exp(r[j] - mx);
    for (int64_t j = 0; j < c; ++j) r[j] = log ? r[j] - mx - std::log(sum) : std::exp(r[j] - mx) / sum;
  }
  return Tensor::from(v, {n, c}).to(t);
}

OpCase ce_case(const std::string& name, int64_t n, int64_t c, double scale, double shift) {
  return OpCase{"cross_entropy", name,
                [n, c, scale, shift](Generator& g, DType t) {
                  Tensor z = Tensor::randn({n, c}, g, DType::F64, scale);
                  double* p = z.data<double>();
                  for (int64_t i = 0; i < z.numel(); ++i) p[i] += shift;  // the result must not care
                  return std::vector<Tensor>{z.to(t), random_labels(n, c, g)};
                },
                [](const std::vector<Tensor>& in) { return std::vector<Tensor>{cross_entropy(in[0], in[1])}; },
                {true, false}};
}

OpCase kl_case(const std::string& name, int64_t n, int64_t c, double scale) {
  return OpCase{"kl_div", name,
                [n, c, scale](Generator& g, DType t) {
                  Tensor log_q = random_distribution(n, c, scale, true, g, t);
                  Tensor p = random_distribution(n, c, scale, false, g, t);
                  return std::vector<Tensor>{log_q, p};
                },
                [](const std::vector<Tensor>& in) { return std::vector<Tensor>{kl_div(in[0], in[1])}; },
                {}};
}

OpCase kd_logit_hard_case(const std::string& name, int64_t n, int64_t c, double T, double alpha) {
  return OpCase{"kd_logit_hard", name,
                [n, c](Generator& g, DType t) {
                  return std::vector<Tensor>{Tensor::randn({n, c}, g, t, 2.0), Tensor::randn({n, c}, g, t, 2.0),
                                             random_labels(n, c, g)};
                },
                [T, alpha](const std::vector<Tensor>& in) {
                  return std::vector<Tensor>{losses::kd_logit_hard(in[0], in[2], in[0], in[1], {T, alpha})};
                },
                {true, false, false}};
}

// inputs: nsub logits (differentiable), nsub targets, weights (N, nsub) with rows summing to 1
OpCase subdecision_kl_case(const std::string& name, int64_t n, int64_t c, int nsub, double T) {
  std::vector<bool> diff(size_t(2 * nsub + 1), false);
  for (int k = 0; k < nsub; ++k) diff[size_t(k)] = true;
  return OpCase{"subdecision_kl", name,
                [n, c, nsub](Generator& g, DType t) {
                  std::vector<Tensor> in;
                  for (int k = 0; k < 2 * nsub; ++k) in.push_back(Tensor::randn({n, c}, g, t, 2.0));
                  in.push_back(random_distribution(n, nsub, 1.0, false, g, t));
                  return in;
                },
                [nsub, T](const std::vector<Tensor>& in) {
                  std::vector<Tensor> z(in.begin(), in.begin() + nsub), tg(in.begin() + nsub, in.begin() + 2 * nsub);
                  return std::vector<Tensor>{losses::weighted_pull_kl(z, tg, in[size_t(2 * nsub)], T)};
                },
                diff};
}

OpCase subdecision_head_case(const std::string& name, int64_t n, int64_t f, int nsub, double p) {
  return OpCase{"subdecision_head", name,
                [n, f](Generator& g, DType t) {
                  return std::vector<Tensor>{Tensor::randn({n, f}, g, t), random_labels(n, 7, g)};
                },
                [f, nsub, p](const std::vector<Tensor>& in) {
                  losses::SubDecisionParams sp;
                  sp.feat_dim = f, sp.emb = 5, sp.classes = 7, sp.n = nsub, sp.drop_p = p, sp.s = 8.0;
                  losses::SubDecisionHead head(sp, 17, in[0].dtype(), in[0].device());
                  losses::SubDecisionOut o = head.forward(in[0], in[1], 2024, true);
                  // consistency and kl stop gradients by design, so they are not outputs here
                  std::vector<Tensor> out{o.embedding, o.weights, o.cosface};
                  for (auto& z : o.sub_logits) out.push_back(z);
                  return out;
                },
                {true, false}};
}

}  // namespace

KD_OP_CASES({
    kd_logit_hard_case("kd_logit_hard/n4_c7_T3", 4, 7, 3.0, 0.4),
    kd_logit_hard_case("kd_logit_hard/n2_c5_T1_alpha1", 2, 5, 1.0, 1.0),
    subdecision_kl_case("subdecision_kl/n4_c6_three", 4, 6, 3, 1.0),
    subdecision_kl_case("subdecision_kl/n3_c5_two_T2", 3, 5, 2, 2.0),
    subdecision_head_case("subdecision_head/n4_f10_three_p0.4", 4, 10, 3, 0.4),
    subdecision_head_case("subdecision_head/n3_f8_one", 3, 8, 1, 0.2),
    ce_case("cross_entropy/n4_c6", 4, 6, 1.0, 0.0),
    ce_case("cross_entropy/n7_c13_scale3", 7, 13, 3.0, 0.0),
    ce_case("cross_entropy/n3_c5_shift100", 3, 5, 2.0, 100.0),
    ce_case("cross_entropy/n1_c2", 1, 2, 1.0, 0.0),
    kl_case("kl_div/n3_c5", 3, 5, 1.0),
    kl_case("kl_div/n6_c11_scale2", 6, 11, 2.0),
    kl_case("kl_div/n1_c30", 1, 30, 0.5),
});
