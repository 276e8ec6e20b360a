// The fused CBAM op against its oracle cbam_composed (built from the primitive ops) on the
// CPU: forward outputs and all four input gradients, with upstream gradients on y, ca and sa,
// at the tiny model's real stage shapes, odd shapes and max-pool ties. Timings are printed.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <iostream>

#include "engine/autograd.h"
#include "engine/check.h"
#include "kernels/cbam/cbam.h"
#include "tests/support/compare.h"

using namespace kd;
using kdtest::compare;
using kdtest::Tolerance;

namespace {

struct Shape6 {
  int64_t n, c, h, w, hidden, k;
};

struct Inputs {
  Tensor x, fc1, fc2, spatial;  // leaves
  Tensor gy, gca, gsa;          // upstream gradients
};

enum class Ties { None, GlobalMax, Both };

Inputs make_inputs(const Shape6& s, DType t, uint64_t seed, Ties ties = Ties::None) {
  Generator g(seed);
  Inputs in;
  in.x = Tensor::randn({s.n, s.c, s.h, s.w}, g, DType::F64);
  if (ties != Ties::None) {  // values in {-2, -1.5, ..., 2}: many equal maxima over H W and over C
    double* p = in.x.data<double>();
    for (int64_t i = 0; i < in.x.numel(); ++i) p[i] = std::max(-2.0, std::min(2.0, std::round(p[i] * 2) / 2));
  }
  in.x = in.x.to(t);
  in.fc1 = Tensor::randn({s.hidden, s.c, 1, 1}, g, t, 0.3);
  // fc2 = 0 makes ca = 1/2 in every channel, so equal x give equal x' and channel maxima tie.
  in.fc2 = ties == Ties::Both ? Tensor::zeros({s.c, s.hidden, 1, 1}, t) : Tensor::randn({s.c, s.hidden, 1, 1}, g, t, 0.3);
  in.spatial = Tensor::randn({1, 2, s.k, s.k}, g, t, 0.3);
  in.gy = Tensor::randn({s.n, s.c, s.h, s.w}, g, t);
  in.gca = Tensor::randn({s.n, s.c, 1, 1}, g, t);
  in.gsa = Tensor::randn({s.n, 1, s.h, s.w}, g, t);
  return in;
}

struct Result {
  Tensor y, ca, sa;
  Tensor gx, gfc1, gfc2, gspatial;
};

template <class F>
Result run(const Inputs& src, F&& op) {
  std::vector<Tensor> leaves{src.x.clone(), src.fc1.clone(), src.fc2.clone(), src.spatial.clone()};
  for (Tensor& l : leaves) l.requires_grad_(true);
  CbamOut o = op(leaves[0], leaves[1], leaves[2], leaves[3]);
  autograd::backward({o.y, o.ca, o.sa}, {src.gy, src.gca, src.gsa});
  return {o.y.detach(), o.ca.detach(), o.sa.detach(), leaves[0].grad(), leaves[1].grad(), leaves[2].grad(),
          leaves[3].grad()};
}

Inputs to_f64(const Inputs& in) {
  return {in.x.to(DType::F64),  in.fc1.to(DType::F64), in.fc2.to(DType::F64), in.spatial.to(DType::F64),
          in.gy.to(DType::F64), in.gca.to(DType::F64), in.gsa.to(DType::F64)};
}

// atol is relative to the reference tensor's largest element: a weight gradient is a sum of
// terms much larger than itself, and its float32 rounding scales with the terms.
void check_close(const Result& f, const Result& r, Tolerance tol, const std::string& ref) {
  auto close = [&](const Tensor& a, const Tensor& b, const std::string& what) {
    double m = 1;
    for (double v : kdtest::as_doubles(b)) m = std::max(m, std::fabs(v));
    return compare(a, b, {tol.atol * m, tol.rtol}, what + " vs " + ref);
  };
  CHECK(close(f.y, r.y, "y") == "");
  CHECK(close(f.ca, r.ca, "ca") == "");
  CHECK(close(f.sa, r.sa, "sa") == "");
  CHECK(close(f.gx, r.gx, "grad x") == "");
  CHECK(close(f.gfc1, r.gfc1, "grad fc1") == "");
  CHECK(close(f.gfc2, r.gfc2, "grad fc2") == "");
  CHECK(close(f.gspatial, r.gspatial, "grad spatial") == "");
}

// float64: fused vs composed at 1e-10. float32: against the composed op run in float64 on the
// same inputs at 1e-5, and against composed float32 at 1e-4 (both round; where a gradient
// cancels, e.g. fc2's, both land ~3e-2 relative from the float64 value, hence the scaled atol).
void check_against_composed(const Shape6& s, DType t, uint64_t seed, Ties ties = Ties::None) {
  const Inputs in = make_inputs(s, t, seed, ties);
  const Result f = run(in, cbam);
  if (t == DType::F64) {
    check_close(f, run(in, cbam_composed), {1e-10, 1e-10}, "composed f64");
    return;
  }
  check_close(f, run(to_f64(in), cbam_composed), {1e-5, 1e-5}, "composed f64");
  check_close(f, run(in, cbam_composed), {1e-4, 1e-4}, "composed f32");
}

const Shape6 kShapes[] = {
    // the tiny model's stage ends (hidden = max(C / 16, 8)) at N = 2
    {2, 32, 56, 56, 8, 7}, {2, 64, 28, 28, 8, 7}, {2, 128, 14, 14, 8, 7}, {2, 256, 7, 7, 16, 7},
    // odd shapes: the op-case table's, a 1x1 map, a 3x3 spatial kernel, H != W
    {2, 16, 5, 5, 8, 7}, {3, 16, 1, 1, 8, 7}, {2, 16, 6, 6, 8, 3}, {1, 72, 12, 9, 4, 7}, {2, 8, 3, 10, 8, 5},
};

}  // namespace

TEST_CASE("fused cbam matches cbam_composed in float64", "[cbam]") {
  uint64_t seed = 11;
  for (const Shape6& s : kShapes) {
    INFO("n" << s.n << " c" << s.c << " " << s.h << "x" << s.w << " hidden " << s.hidden << " k" << s.k);
    check_against_composed(s, DType::F64, seed++);
  }
}

TEST_CASE("fused cbam matches cbam_composed in float32", "[cbam]") {
  uint64_t seed = 21;
  for (const Shape6& s : kShapes) {
    INFO("n" << s.n << " c" << s.c << " " << s.h << "x" << s.w << " hidden " << s.hidden << " k" << s.k);
    check_against_composed(s, DType::F32, seed++);
  }
}

TEST_CASE("fused cbam routes max-pool gradients to the first maximum on ties, as the primitives do", "[cbam]") {
  for (DType t : {DType::F64, DType::F32}) {
    INFO(dtype_name(t));
    // Global max ties only (ca varies by channel), then ties over channels as well.
    check_against_composed({2, 16, 6, 6, 8, 7}, t, 31, Ties::GlobalMax);
    check_against_composed({2, 16, 6, 6, 8, 7}, t, 32, Ties::Both);
    check_against_composed({2, 64, 14, 14, 8, 7}, t, 33, Ties::Both);
  }
}

TEST_CASE("fused cbam without gradients (inference, no argmax kept) gives the training forward's bits", "[cbam]") {
  // Ties and NaNs included: the untracked maxima must take the same values as the tracked ones.
  for (DType t : {DType::F32, DType::F64})
    for (Ties ties : {Ties::None, Ties::Both}) {
      Inputs in = make_inputs({2, 32, 9, 7, 8, 7}, t, 11, ties);
      if (ties == Ties::Both) Tensor(in.x).narrow0(1, 1).view({32 * 9 * 7}).narrow0(40, 1).fill_(NAN);
      std::vector<Tensor> leaves{in.x.clone(), in.fc1.clone(), in.fc2.clone(), in.spatial.clone()};
      for (Tensor& l : leaves) l.requires_grad_(true);
      CbamOut trained = cbam(leaves[0], leaves[1], leaves[2], leaves[3]);
      CbamOut inferred;
      {
        autograd::NoGradGuard no_grad;
        inferred = cbam(in.x, in.fc1, in.fc2, in.spatial);
      }
      for (auto [a, b] : {std::pair{trained.y, inferred.y}, {trained.ca, inferred.ca}, {trained.sa, inferred.sa}}) {
        std::vector<double> va = kdtest::as_doubles(a), vb = kdtest::as_doubles(b);
        REQUIRE(va.size() == vb.size());
        for (size_t i = 0; i < va.size(); ++i) {
          INFO(dtype_name(t) << " element " << i);
          REQUIRE(((va[i] == vb[i]) || (std::isnan(va[i]) && std::isnan(vb[i]))));
        }
      }
    }
}

TEST_CASE("fused cbam is one autograd node with three outputs", "[cbam]") {
  Generator g(5);
  Tensor x = Tensor::randn({1, 8, 4, 4}, g).requires_grad_(true);
  CbamOut o = cbam(x, Tensor::randn({8, 8, 1, 1}, g), Tensor::randn({8, 8, 1, 1}, g), Tensor::randn({1, 2, 7, 7}, g));
  REQUIRE(o.y.grad_fn());
  CHECK(std::string(o.y.grad_fn()->name()) == "cbam");
  CHECK(o.ca.grad_fn() == o.y.grad_fn());
  CHECK(o.sa.grad_fn() == o.y.grad_fn());
  CHECK(o.ca.shape() == Shape{1, 8, 1, 1});
  CHECK(o.sa.shape() == Shape{1, 1, 4, 4});
}

TEST_CASE("cbam rejects bad shapes with messages naming the argument", "[cbam]") {
  Generator g(6);
  const Tensor x = Tensor::randn({2, 16, 5, 5}, g);
  const Tensor fc1 = Tensor::randn({8, 16, 1, 1}, g), fc2 = Tensor::randn({16, 8, 1, 1}, g);
  const Tensor sp = Tensor::randn({1, 2, 7, 7}, g);
  CHECK_THROWS_WITH(cbam(x.view({2, 16, 25}), fc1, fc2, sp), Catch::Contains("cbam: x"));
  CHECK_THROWS_WITH(cbam(x, Tensor::randn({8, 15, 1, 1}, g), fc2, sp), Catch::Contains("cbam: fc1"));
  CHECK_THROWS_WITH(cbam(x, fc1, Tensor::randn({16, 4, 1, 1}, g), sp), Catch::Contains("cbam: fc2"));
  CHECK_THROWS_WITH(cbam(x, fc1, fc2, Tensor::randn({1, 2, 6, 6}, g)), Catch::Contains("odd-sized"));
  CHECK_THROWS_WITH(cbam(x, fc1, fc2, Tensor::randn({1, 1, 7, 7}, g)), Catch::Contains("cbam: spatial"));
  CHECK_THROWS_WITH(cbam(x, fc1.to(DType::F64), fc2, sp), Catch::Contains("cbam: x and fc1"));
}

TEST_CASE("cbam timing on the CPU, fused vs composed (printed, not asserted)", "[cbam][timing]") {
  const Shape6 s{16, 64, 28, 28, 8, 7};
  const Inputs in = make_inputs(s, DType::F32, 41);
  auto best_ms = [](auto&& f) {
    double best = 1e30;
    for (int rep = 0; rep < 5; ++rep) {
      const auto t0 = std::chrono::steady_clock::now();
      f();
      best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
  };
  double fwd[2], step[2];
  for (int i = 0; i < 2; ++i) {
    auto op = i == 0 ? cbam : cbam_composed;
    fwd[i] = best_ms([&] {
      autograd::NoGradGuard ng;
      op(in.x, in.fc1, in.fc2, in.spatial);
    });
    step[i] = best_ms([&] { run(in, op); });
  }
  std::cout << "cbam CPU float32 N=16 C=64 28x28: forward (no grad) fused " << fwd[0] << " ms, composed " << fwd[1]
            << " ms (x" << fwd[1] / fwd[0] << "); forward+backward fused " << step[0] << " ms, composed " << step[1]
            << " ms (x" << step[1] / step[0] << ")\n";
  CHECK(fwd[0] > 0);
}
