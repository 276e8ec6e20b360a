// The fused losses against the compositions they replace: margin_cross_entropy vs
// cross_entropy(margin_logits(...)) and kd_softmax_kl vs the composed KD formula that
// losses::kd_logit used before it was switched to the fused op (a local copy below, so this
// test keeps checking against an independent implementation). Also: the online log-sum-exp
// merge the CUDA kernels rely on, label errors, NaN propagation, and a CPU timing print at the
// issue's shape (128 x 10,572).
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "engine/autograd.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/kd_kl/kd_kl.h"
#include "kernels/kd_kl/online_lse.h"
#include "kernels/loss/loss.h"
#include "kernels/margin/margin.h"
#include "kernels/margin/margin_ce.h"
#include "kernels/softmax/softmax.h"
#include "tests/support/compare.h"

using namespace kd;
using kdtest::as_doubles;

namespace {

Tensor labels_of(std::vector<int64_t> y) { return Tensor::from(y, {int64_t(y.size())}); }

// kd_logit as it was composed before the fused op (losses/kd_losses.cpp, issue 2):
// T^2 * kl_div(log_softmax(z_s / T), softmax(z_t / T)), batchmean.
Tensor composed_kd(const Tensor& z_s, const Tensor& z_t, double T) {
  return scale(kl_div(log_softmax(z_s, T), softmax(z_t, T)), T * T);
}

Tensor composed_margin_ce(const Tensor& cos, const Tensor& labels, const MarginParams& p) {
  return cross_entropy(margin_logits(cos, labels, p), labels);
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : as_doubles(t)) m = std::fmax(m, std::fabs(v));
  return m;
}

// |a - b| <= rtol |b| + atol_frac * max|b|: the atol part covers elements that are differences
// of nearly equal terms (p_s - p_t) or far below the row's largest entry.
void check_close(const Tensor& a, const Tensor& b, double rtol, double atol_frac, const std::string& what) {
  const std::string e = kdtest::compare(a, b, {atol_frac * max_abs(b), rtol}, what);
  INFO(e);
  CHECK(e.empty());
}

struct Result {
  double loss;
  Tensor grad;
};

template <class F>
Result run_grad(const Tensor& x0, F&& f) {
  Tensor x = x0.detach().clone().requires_grad_();
  Tensor loss = f(x);
  loss.backward();
  return {loss.item(), x.grad()};
}

// cos (n, c) uniform in [lo, hi] with random labels; targets of the first rows forced onto
// the special points: 1.0 (sine clamp), -1.0 and -0.95 (ArcFace fallback line), 0.999999.
void margin_inputs(int64_t n, int64_t c, double lo, double hi, DType t, uint64_t seed, Tensor* cos, Tensor* labels) {
  Generator g(seed);
  std::vector<double> v(static_cast<size_t>(n * c));
  for (auto& x : v) x = lo + (hi - lo) * g.uniform();
  std::vector<int64_t> y(static_cast<size_t>(n));
  const double special[] = {1.0, -1.0, -0.95, 0.999999};
  for (int64_t i = 0; i < n; ++i) {
    y[size_t(i)] = int64_t(g.next_u64() % uint64_t(c));
    if (i < 4) v[size_t(i * c + y[size_t(i)])] = special[i];
  }
  *cos = Tensor::from(v, {n, c}).to(t);
  *labels = Tensor::from(y, {n});
}

// Best of 3 after one warm-up run (thread pool start, first-touch of the cached buffers).
template <class F>
double best_seconds(F&& f) {
  f();
  double best = 1e30;
  for (int k = 0; k < 3; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::fmin(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

TEST_CASE("online log-sum-exp: chunked states merge to the direct value", "[fused]") {
  Generator g(7);
  std::vector<double> x(997), d(997);
  for (size_t k = 0; k < x.size(); ++k) {
    x[k] = 30.0 * (g.uniform() - 0.5) + (k == 500 ? 400.0 : 0.0);
    d[k] = g.uniform() - 0.5;
  }
  x[3] = -HUGE_VAL;  // contributes nothing
  double mx = -HUGE_VAL;
  for (double v : x) mx = std::fmax(mx, v);
  double sum = 0, wsum = 0;
  for (size_t k = 0; k < x.size(); ++k) {
    sum += std::exp(x[k] - mx);
    wsum += std::exp(x[k] - mx) * d[k];
  }
  const double lse = mx + std::log(sum), mean_d = wsum / sum;
  // 64 strided "threads", as a CUDA block assigns columns; several of them get no column.
  for (int threads : {1, 7, 64, 2000}) {
    std::vector<OnlineLseW> part(static_cast<size_t>(threads));
    for (size_t k = 0; k < x.size(); ++k) lse_add(part[k % size_t(threads)], x[k], d[k]);
    double m_all = -HUGE_VAL;
    for (auto& p : part) m_all = std::fmax(m_all, p.m);
    double s = 0, w = 0;
    for (auto& p : part) {
      const double f = lse_merge_scale(p.m, p.s, m_all);
      s += p.s * f;
      w += p.w * f;
    }
    CHECK(m_all + std::log(s) == Approx(lse).epsilon(1e-14));
    CHECK(w / s == Approx(mean_d).epsilon(1e-12));
  }
  OnlineLse nan_row;
  lse_add(nan_row, 1.0);
  lse_add(nan_row, std::nan(""));
  lse_add(nan_row, 2.0);
  CHECK(std::isnan(nan_row.m + std::log(nan_row.s)));
  OnlineLse all_nan;  // a thread that saw only NaN: m stays -inf, the merge keeps the NaN
  lse_add(all_nan, std::nan(""));
  CHECK(std::isnan(all_nan.s * lse_merge_scale(all_nan.m, all_nan.s, 5.0)));
  OnlineLse empty;
  CHECK(empty.s * lse_merge_scale(empty.m, empty.s, -HUGE_VAL) == 0.0);
}

TEST_CASE("margin_cross_entropy equals cross_entropy(margin_logits) in float64 and float32", "[fused]") {
  const MarginParams params[] = {
      {MarginKind::ArcFace, 64.0, 0.5}, {MarginKind::ArcFace, 30.0, 0.3}, {MarginKind::CosFace, 64.0, 0.35}};
  for (const MarginParams& p : params) {
    for (DType t : {DType::F64, DType::F32}) {
      INFO("kind " << (p.kind == MarginKind::ArcFace ? "arcface" : "cosface") << " s " << p.s << " m " << p.m
                   << " dtype " << dtype_name(t));
      Tensor cos, labels;
      margin_inputs(9, 37, -0.9, 0.95, t, 11, &cos, &labels);
      Result f = run_grad(cos, [&](const Tensor& x) { return margin_cross_entropy(x, labels, p); });
      Result r = run_grad(cos, [&](const Tensor& x) { return composed_margin_ce(x, labels, p); });
      const bool f64 = t == DType::F64;
      CHECK(f.loss == Approx(r.loss).epsilon(f64 ? 1e-13 : 1e-5));
      check_close(f.grad, r.grad, f64 ? 1e-12 : 1e-5, f64 ? 1e-14 : 1e-7, "margin_cross_entropy gradient");
    }
  }
}

TEST_CASE("margin_cross_entropy is one autograd node, and its gradient scales with the upstream", "[fused]") {
  Tensor cos, labels;
  margin_inputs(3, 8, -0.5, 0.5, DType::F64, 3, &cos, &labels);
  Tensor x = cos.clone().requires_grad_();
  Tensor loss = margin_cross_entropy(x, labels, MarginParams{});
  REQUIRE(loss.grad_fn());
  CHECK(std::string(loss.grad_fn()->name()) == "margin_cross_entropy");
  CHECK(loss.grad_fn()->inputs()[0].is_leaf());  // straight from cos: no intermediate logits node
  loss.backward(Tensor::full({}, -2.5, DType::F64));
  Result r = run_grad(cos, [&](const Tensor& y) { return scale(composed_margin_ce(y, labels, MarginParams{}), -2.5); });
  check_close(x.grad(), r.grad, 1e-12, 1e-14, "margin_cross_entropy gradient, upstream -2.5");
}

TEST_CASE("kd_softmax_kl equals the composed KD loss in float64 and float32", "[fused]") {
  for (double T : {1.0, 4.0}) {
    for (DType t : {DType::F64, DType::F32}) {
      INFO("T " << T << " dtype " << dtype_name(t));
      Generator g(5);
      Tensor zs = Tensor::randn({6, 37}, g, t, 3.0), zt = Tensor::randn({6, 37}, g, t, 3.0);
      Result f = run_grad(zs, [&](const Tensor& x) { return kd_softmax_kl(x, zt, T); });
      Result r = run_grad(zs, [&](const Tensor& x) { return composed_kd(x, zt, T); });
      const bool f64 = t == DType::F64;
      CHECK(f.loss == Approx(r.loss).epsilon(f64 ? 1e-12 : 1e-5));
      check_close(f.grad, r.grad, f64 ? 1e-12 : 1e-5, f64 ? 1e-13 : 1e-5, "kd_softmax_kl gradient");
    }
  }
}

TEST_CASE("kd_softmax_kl: equal logits give zero loss and gradient; the teacher gets no gradient", "[fused]") {
  Generator g(9);
  Tensor z = Tensor::randn({3, 11}, g, DType::F64, 4.0);
  Tensor zs = z.clone().requires_grad_(), zt = z.clone().requires_grad_();
  Tensor loss = kd_softmax_kl(zs, zt, 2.0);
  CHECK(std::fabs(loss.item()) < 1e-14);
  REQUIRE(loss.grad_fn());
  CHECK(std::string(loss.grad_fn()->name()) == "kd_softmax_kl");
  CHECK(loss.grad_fn()->inputs().size() == 1);  // z_s only
  loss.backward();
  CHECK(max_abs(zs.grad()) < 1e-15);
  CHECK_FALSE(zt.grad().defined());
}

TEST_CASE("fused losses: bad labels, temperatures and shapes are errors naming them", "[fused]") {
  Tensor cos = Tensor::zeros({3, 10});
  CHECK_THROWS_WITH(margin_cross_entropy(cos, labels_of({0, 10, 2}), MarginParams{}),
                    Catch::Contains("margin_cross_entropy: label 10 of sample 1") && Catch::Contains("[0, 10)"));
  CHECK_THROWS_WITH(margin_cross_entropy(cos, labels_of({0, 1, -3}), MarginParams{}),
                    Catch::Contains("label -3 of sample 2"));
  CHECK_THROWS_WITH(margin_cross_entropy(cos, labels_of({0, 1}), MarginParams{}),
                    Catch::Contains("labels: expected shape [3]"));
  CHECK_THROWS_WITH(margin_cross_entropy(Tensor::zeros({3}), labels_of({0, 1, 2}), MarginParams{}),
                    Catch::Contains("margin_cross_entropy: cos"));
  CHECK_THROWS_WITH(margin_cross_entropy(cos, labels_of({0, 1, 2}), {MarginKind::ArcFace, NAN, 0.5}),
                    Catch::Contains("s and m must be finite"));
  Tensor z = Tensor::zeros({2, 4});
  CHECK_THROWS_WITH(kd_softmax_kl(z, z, 0.0), Catch::Contains("temperature T must be positive"));
  CHECK_THROWS_WITH(kd_softmax_kl(z, Tensor::zeros({2, 5}), 1.0), Catch::Contains("z_t (teacher logits"));
  CHECK_THROWS_WITH(kd_softmax_kl(z, Tensor::zeros({2, 4}, DType::F64), 1.0), Catch::Contains("z_s and z_t"));
}

TEST_CASE("fused losses: NaN inputs give a NaN loss, not a crash", "[fused]") {
  Tensor cos, labels;
  margin_inputs(4, 9, -0.5, 0.5, DType::F32, 13, &cos, &labels);
  const int64_t y2 = labels.to_vector<int64_t>()[2];
  for (int64_t col : {int64_t(0), y2}) {  // a non-target and a target cosine
    Tensor c = cos.clone();
    c.data<float>()[2 * 9 + col] = NAN;
    Tensor x = c.requires_grad_();
    Tensor loss = margin_cross_entropy(x, labels, MarginParams{});
    CHECK(std::isnan(loss.item()));
    loss.backward();
  }
  Generator g(1);
  Tensor zs = Tensor::randn({3, 6}, g), zt = Tensor::randn({3, 6}, g);
  for (int which = 0; which < 2; ++which) {
    Tensor a = zs.clone(), b = zt.clone();
    (which == 0 ? a : b).data<float>()[7] = NAN;
    Tensor x = a.requires_grad_();
    Tensor loss = kd_softmax_kl(x, b, 4.0);
    CHECK(std::isnan(loss.item()));
    loss.backward();
  }
}

TEST_CASE("fused losses at 128 x 10,572 in float32: equal to the compositions, CPU timings", "[fused][large]") {
  const int64_t n = 128, c = 10572;
  Tensor cos, labels;
  margin_inputs(n, c, -0.4, 0.4, DType::F32, 21, &cos, &labels);
  const MarginParams p{MarginKind::ArcFace, 64.0, 0.5};
  Result f = run_grad(cos, [&](const Tensor& x) { return margin_cross_entropy(x, labels, p); });
  Result r = run_grad(cos, [&](const Tensor& x) { return composed_margin_ce(x, labels, p); });
  const double t_fused =
      best_seconds([&] { run_grad(cos, [&](const Tensor& x) { return margin_cross_entropy(x, labels, p); }); });
  const double t_comp =
      best_seconds([&] { run_grad(cos, [&](const Tensor& x) { return composed_margin_ce(x, labels, p); }); });
  CHECK(f.loss == Approx(r.loss).epsilon(1e-5));
  check_close(f.grad, r.grad, 1e-5, 1e-7, "margin_cross_entropy gradient, 128 x 10572");
  std::printf("margin_cross_entropy 128x10572 f32 CPU fwd+bwd (best of 3): fused %.2f ms, composed %.2f ms\n",
              1e3 * t_fused, 1e3 * t_comp);

  Generator g(17);
  Tensor zs = Tensor::randn({n, c}, g, DType::F32, 8.0), zt = Tensor::randn({n, c}, g, DType::F32, 8.0);
  Result kf = run_grad(zs, [&](const Tensor& x) { return kd_softmax_kl(x, zt, 4.0); });
  Result kr = run_grad(zs, [&](const Tensor& x) { return composed_kd(x, zt, 4.0); });
  const double k_fused =
      best_seconds([&] { run_grad(zs, [&](const Tensor& x) { return kd_softmax_kl(x, zt, 4.0); }); });
  const double k_comp = best_seconds([&] { run_grad(zs, [&](const Tensor& x) { return composed_kd(x, zt, 4.0); }); });
  CHECK(kf.loss == Approx(kr.loss).epsilon(1e-5));
  check_close(kf.grad, kr.grad, 1e-5, 1e-5, "kd_softmax_kl gradient, 128 x 10572");
  std::printf("kd_softmax_kl 128x10572 f32 T=4 CPU fwd+bwd (best of 3): fused %.2f ms, composed %.2f ms\n",
              1e3 * k_fused, 1e3 * k_comp);
}
