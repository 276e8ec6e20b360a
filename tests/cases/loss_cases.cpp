// Finite-difference cases for cross_entropy (labels fixed) and kl_div (both inputs).
#include <cmath>

#include "kernels/loss/loss.h"
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

}  // namespace

KD_OP_CASES({
    ce_case("cross_entropy/n4_c6", 4, 6, 1.0, 0.0),
    ce_case("cross_entropy/n7_c13_scale3", 7, 13, 3.0, 0.0),
    ce_case("cross_entropy/n3_c5_shift100", 3, 5, 2.0, 100.0),
    ce_case("cross_entropy/n1_c2", 1, 2, 1.0, 0.0),
    kl_case("kl_div/n3_c5", 3, 5, 1.0),
    kl_case("kl_div/n6_c11_scale2", 6, 11, 2.0),
    kl_case("kl_div/n1_c30", 1, 30, 0.5),
});
