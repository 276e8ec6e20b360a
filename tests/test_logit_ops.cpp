// Edge cases of the classification ops that the finite-difference table cannot express:
// huge logits, bad labels, probability identities, and hand-computed margin values.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "engine/autograd.h"
#include "kernels/loss/loss.h"
#include "kernels/margin/margin.h"
#include "kernels/normalize/l2_normalize.h"
#include "kernels/softmax/softmax.h"

using namespace kd;

namespace {

bool all_finite(const Tensor& t) {
  for (double v : t.to(DType::F64).to_vector<double>())
    if (!std::isfinite(v)) return false;
  return true;
}

Tensor labels_of(std::vector<int64_t> y) { return Tensor::from(y, {int64_t(y.size())}); }

}  // namespace

TEST_CASE("huge logits give finite softmax, log_softmax and cross-entropy", "[logit]") {
  const std::vector<float> v = {1e4f, -1e4f, 0.f, 1e4f - 1.f, -1e4f, 1e4f, 1e4f, 3e3f};
  for (double T : {1.0, 0.25, 4.0}) {
    Tensor z = Tensor::from(v, {2, 4}).requires_grad_();
    Tensor p = softmax(z, T), lp = log_softmax(z, T);
    CHECK(all_finite(p));
    CHECK(all_finite(lp));
    Tensor gy = Tensor::ones({2, 4});
    autograd::backward({p, lp}, {gy, gy});
    CHECK(all_finite(z.grad()));
  }
  Tensor z = Tensor::from(v, {2, 4}).requires_grad_();
  Tensor loss = cross_entropy(z, labels_of({1, 3}));
  loss.backward();
  CHECK(all_finite(loss));
  CHECK(all_finite(z.grad()));
  // Row 0: the label logit is 2e4 below the two largest (1e4 and 1e4 - 1); row 1: 7e3 below two
  // equal maxima; each row's loss is that gap plus the log of the surviving partition terms.
  const double row0 = 2e4 + std::log(1 + std::exp(-1.0)), row1 = 7e3 + std::log(2.0);
  CHECK(loss.item() == Approx((row0 + row1) / 2).epsilon(1e-6));
  // a log-probability of exp(-2e4) is still its exact value, not -inf
  Tensor lp = log_softmax(Tensor::from(v, {2, 4}));
  CHECK(lp.to_vector<float>()[1] == Approx(-2e4 - std::log(1 + std::exp(-1.0))));
}

TEST_CASE("labels out of range are refused with the sample, the label and C", "[logit]") {
  Tensor z = Tensor::zeros({4, 5});
  CHECK_THROWS_WITH(cross_entropy(z, labels_of({0, 1, 7, 2})),
                    Catch::Contains("label 7 of sample 2") && Catch::Contains("[0, 5)"));
  CHECK_THROWS_WITH(cross_entropy(z, labels_of({0, -1, 3, 2})), Catch::Contains("label -1 of sample 1"));
  CHECK_THROWS_WITH(cross_entropy(z, labels_of({0, 1, 2})), Catch::Contains("labels: expected shape [4]"));
  CHECK_THROWS_WITH(cross_entropy(z, Tensor::zeros({4})), Catch::Contains("labels must be int64"));
  CHECK_THROWS_WITH(margin_logits(Tensor::zeros({2, 3}), labels_of({3, 0}), MarginParams{}),
                    Catch::Contains("margin_logits: label 3 of sample 0") && Catch::Contains("[0, 3)"));
}

TEST_CASE("bad shapes name the op and the argument", "[logit]") {
  CHECK_THROWS_WITH(softmax(Tensor::zeros({2, 3, 4})), Catch::Contains("softmax: z"));
  CHECK_THROWS_WITH(softmax(Tensor::zeros({2, 3}), 0.0), Catch::Contains("temperature"));
  CHECK_THROWS_WITH(kl_div(Tensor::zeros({2, 3}), Tensor::zeros({2, 4})),
                    Catch::Contains("kl_div: p") && Catch::Contains("[2, 3]") && Catch::Contains("[2, 4]"));
  CHECK_THROWS_WITH(l2_normalize(Tensor::zeros({5})), Catch::Contains("l2_normalize: x"));
}

TEST_CASE("softmax rows sum to one and temperature is a rescaling of z", "[logit]") {
  Generator g(7);
  for (DType t : {DType::F32, DType::F64}) {
    Tensor z = Tensor::randn({6, 13}, g, t, 5.0);
    for (double T : {1.0, 0.3, 2.0, 10.0}) {
      auto p = softmax(z, T).to(DType::F64).to_vector<double>();
      for (int i = 0; i < 6; ++i) {
        double s = 0;
        for (int j = 0; j < 13; ++j) s += p[size_t(i * 13 + j)];
        CHECK(s == Approx(1.0).epsilon(1e-6));
      }
      // softmax(z, T) == softmax(z / T, 1), and exp(log_softmax) == softmax
      Tensor zt = z.to(DType::F64).clone();
      for (int64_t k = 0; k < zt.numel(); ++k) zt.data<double>()[k] /= T;
      auto q = softmax(zt).to_vector<double>();
      auto lp = log_softmax(z, T).to(DType::F64).to_vector<double>();
      for (size_t k = 0; k < p.size(); ++k) {
        CHECK(p[k] == Approx(q[k]).margin(1e-7).epsilon(1e-5));
        CHECK(std::exp(lp[k]) == Approx(p[k]).margin(1e-7).epsilon(1e-5));
      }
    }
  }
}

TEST_CASE("kl_div treats 0 log 0 as 0 and is zero for equal distributions", "[logit]") {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor p = Tensor::from<double>({0.5, 0.5, 0.0, 0.25, 0.0, 0.75}, {2, 3});
  Tensor log_q = Tensor::from<double>({std::log(0.5), std::log(0.5), -inf, std::log(0.25), -inf, std::log(0.75)}, {2, 3});
  log_q.requires_grad_();
  p.requires_grad_();
  Tensor loss = kl_div(log_q, p);
  CHECK(loss.item() == Approx(0.0).margin(1e-15));
  loss.backward();
  CHECK(log_q.grad().to_vector<double>()[2] == 0.0);  // -p / N with p = 0
  CHECK(p.grad().to_vector<double>()[0] == Approx(0.5));  // (log p + 1 - log q) / N = 1 / 2
  // batchmean: divided by N = 2, not by the 6 elements
  Tensor q2 = Tensor::from<double>({std::log(0.25), std::log(0.75), std::log(0.5), std::log(0.5)}, {2, 2});
  Tensor p2 = Tensor::from<double>({0.5, 0.5, 0.5, 0.5}, {2, 2});
  const double row0 = 0.5 * (std::log(0.5) - std::log(0.25)) + 0.5 * (std::log(0.5) - std::log(0.75));
  CHECK(kl_div(q2, p2).item() == Approx(row0 / 2));
}

TEST_CASE("ArcFace and CosFace targets match hand-computed values", "[logit]") {
  // s = 64, m = 0.5; cos(pi - 0.5) = -0.87758. Row 0 target 0.6 takes the main branch,
  // row 1 target -0.95 the fallback line t - m sin(pi - m).
  Tensor cos = Tensor::from<double>({0.6, 0.1, -0.2, 0.3, -0.95, 0.4}, {2, 3}).requires_grad_();
  Tensor labels = labels_of({0, 1});
  Tensor y = margin_logits(cos, labels, {MarginKind::ArcFace, 64.0, 0.5});
  auto v = y.to_vector<double>();
  // cos(acos(0.6) + 0.5) = 0.6 cos 0.5 - 0.8 sin 0.5 = 0.1430091062508613
  CHECK(v[0] == Approx(64 * 0.1430091062508613).epsilon(1e-12));
  CHECK(v[1] == Approx(6.4).epsilon(1e-12));
  CHECK(v[2] == Approx(-12.8).epsilon(1e-12));
  CHECK(v[3] == Approx(19.2).epsilon(1e-12));
  // -0.95 - 0.5 sin(0.5) = -1.1897127693021015
  CHECK(v[4] == Approx(64 * -1.1897127693021015).epsilon(1e-12));
  y.backward(Tensor::ones({2, 3}, DType::F64));
  auto g = cos.grad().to_vector<double>();
  // main branch slope: cos m + t sin m / sqrt(1 - t^2) = 0.87758 + 0.6 * 0.47943 / 0.8
  CHECK(g[0] == Approx(64 * (0.8775825618903728 + 0.6 * 0.479425538604203 / 0.8)).epsilon(1e-12));
  CHECK(g[4] == Approx(64.0));  // the fallback line has slope 1
  CHECK(g[1] == Approx(64.0));

  Tensor yc = margin_logits(cos.detach(), labels, {MarginKind::CosFace, 30.0, 0.35});
  CHECK(yc.to_vector<double>()[0] == Approx(30 * 0.25));
  CHECK(yc.to_vector<double>()[4] == Approx(30 * -1.3));
}

TEST_CASE("ArcFace stays finite for a target cosine of exactly 1", "[logit]") {
  for (DType t : {DType::F32, DType::F64}) {
    Tensor cos = Tensor::from<double>({1.0, 0.0, -1.0, 1.0}, {2, 2}).to(t).requires_grad_();
    // row 0 target +1 (main branch), row 1 target -1 (fallback line)
    Tensor y = margin_logits(cos, labels_of({0, 0}), {MarginKind::ArcFace, 64.0, 0.5});
    y.backward(Tensor::ones({2, 2}, t));
    CHECK(all_finite(y));
    CHECK(all_finite(cos.grad()));
    // cos(0 + m) = cos m up to the sine clamp (at most m * sqrt(2e-7) off)
    CHECK(y.to(DType::F64).to_vector<double>()[0] == Approx(64 * std::cos(0.5)).margin(64 * 3e-4));
  }
}

TEST_CASE("l2_normalize gives unit rows and leaves a zero row at zero", "[logit]") {
  Tensor x = Tensor::from<float>({3, 4, 0, 0, 1e-20f, 0}, {3, 2}).requires_grad_();
  Tensor y = l2_normalize(x);
  auto v = y.to_vector<float>();
  CHECK(v[0] == Approx(0.6f));
  CHECK(v[1] == Approx(0.8f));
  CHECK(v[2] == 0.0f);
  CHECK(v[3] == 0.0f);
  y.backward(Tensor::ones({3, 2}));
  CHECK(all_finite(x.grad()));
}
