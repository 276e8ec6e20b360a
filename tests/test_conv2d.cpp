// conv2d beyond the finite-difference cases: both threading splits against a naive direct
// convolution on shapes large enough for the per-image and chunked paths, error messages for
// bad arguments, and timings (printed, not asserted) on the tiny-model shapes.
#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>

#include "engine/autograd.h"
#include "engine/parallel.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/conv2d/conv2d_cpu.h"
#include "kernels/matmul/gemm.h"

using namespace kd;

namespace {

// Direct loops in double: y, and the gradients of sum(y * gy).
struct Ref {
  std::vector<double> y, dx, dw, db;
};

Ref naive_conv(const Tensor& x, const Tensor& w, const Tensor& gy, const Conv2dParams& p) {
  auto xv = x.to(DType::F64).to_vector<double>(), wv = w.to(DType::F64).to_vector<double>();
  auto gv = gy.to(DType::F64).to_vector<double>();
  int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = w.size(0), k = w.size(2);
  int64_t Cg = C / p.groups, Og = O / p.groups, Ho = gy.size(2), Wo = gy.size(3);
  Ref r;
  r.y.assign(size_t(N * O * Ho * Wo), 0);
  r.dx.assign(xv.size(), 0);
  r.dw.assign(wv.size(), 0);
  r.db.assign(size_t(O), 0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oh = 0; oh < Ho; ++oh)
        for (int64_t ow = 0; ow < Wo; ++ow) {
          size_t yi = size_t(((n * O + o) * Ho + oh) * Wo + ow);
          double g = gv[yi];
          r.db[size_t(o)] += g;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < k; ++i)
              for (int64_t j = 0; j < k; ++j) {
                int64_t ih = oh * p.stride - p.padding + i, iw = ow * p.stride - p.padding + j;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                size_t xi = size_t(((n * C + (o / Og) * Cg + c) * H + ih) * W + iw);
                size_t wi = size_t(((o * Cg + c) * k + i) * k + j);
                r.y[yi] += xv[xi] * wv[wi];
                r.dx[xi] += g * wv[wi];
                r.dw[wi] += g * xv[xi];
              }
        }
  return r;
}

void expect_close(const Tensor& got, const std::vector<double>& want, const char* what) {
  auto g = got.to(DType::F64).to_vector<double>();
  REQUIRE(g.size() == want.size());
  int bad = 0;
  for (size_t i = 0; i < g.size(); ++i)
    if (!(std::fabs(g[i] - want[i]) <= 1e-3 + 1e-3 * std::fabs(want[i])) && bad++ < 3)
      UNSCOPED_INFO(what << "[" << i << "] = " << g[i] << ", want " << want[i]);
  CHECK(bad == 0);
}

struct Shape5 {
  Shape x;
  int64_t O, k;
  Conv2dParams p;
};

void check_against_naive(const Shape5& s) {
  Generator gen(5);
  Tensor x = Tensor::randn(s.x, gen), w = Tensor::randn({s.O, s.x[1] / s.p.groups, s.k, s.k}, gen, DType::F32, 0.2);
  Tensor b = Tensor::randn({s.O}, gen);
  x.requires_grad_();
  w.requires_grad_();
  b.requires_grad_();
  Tensor y = conv2d(x, w, b, s.p);
  Tensor gy = Tensor::randn(y.shape(), gen);
  autograd::backward({y}, {gy});
  Ref r = naive_conv(x.detach(), w.detach(), gy, s.p);
  auto bv = b.detach().to(DType::F64).to_vector<double>();
  for (size_t i = 0; i < r.y.size(); ++i) r.y[i] += bv[(i / size_t(y.size(2) * y.size(3))) % size_t(s.O)];
  expect_close(y, r.y, "y");
  expect_close(x.grad(), r.dx, "dx");
  expect_close(w.grad(), r.dw, "dw");
  expect_close(b.grad(), r.db, "db");
}

// Min and median of a few runs. The machine is shared and fresh output tensors page-fault
// (expensive in a VM), so the min is the kernels' own cost and the median what a caller sees.
struct Timing {
  double min, median;
};
template <class F>
Timing time_ms(F&& f, int reps = 5) {
  f();  // warm-up: scratch buffers, page faults
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return {t.front(), t[t.size() / 2]};
}

void time_conv(const char* what, Shape xs, int64_t O, int64_t k, Conv2dParams p) {
  Generator gen(1);
  Tensor x = Tensor::randn(xs, gen), w = Tensor::randn({O, xs[1] / p.groups, k, k}, gen, DType::F32, 0.1);
  Tensor b = Tensor::zeros({O});
  x.requires_grad_();
  w.requires_grad_();
  b.requires_grad_();
  Timing fwd = time_ms([&] {
    autograd::NoGradGuard ng;
    conv2d(x, w, b, p);
  });
  Tensor gy;
  Timing both = time_ms([&] {
    Tensor y = conv2d(x, w, b, p);
    if (!gy.defined()) gy = Tensor::ones(y.shape());
    autograd::backward({y}, {gy});
  });
  std::cout << "conv2d " << what << " x" << shape_str(xs) << " w[" << O << ", " << xs[1] / p.groups << ", " << k << ", "
            << k << "] s" << p.stride << " p" << p.padding << " g" << p.groups << " (" << num_threads()
            << " threads): fwd " << fwd.min << " ms (median " << fwd.median << "), fwd+bwd " << both.min
            << " ms (median " << both.median << "), min of 5\n";
}

}  // namespace

TEST_CASE("conv2d matches direct loops with either threading split", "[conv2d]") {
  const Shape5 shapes[] = {
      {{2, 64, 20, 20}, 64, 3, {1, 1, 1}},   // dense, per-image chunks
      {{5, 16, 12, 12}, 32, 3, {2, 1, 4}},  // grouped, strided, several images per chunk
      {{3, 32, 10, 10}, 64, 1, {1, 0, 2}},  // pointwise grouped
      {{3, 12, 9, 9}, 12, 3, {1, 1, 12}},   // depthwise
      {{2, 2, 9, 9}, 1, 7, {1, 3, 1}},      // spatial attention
      // small maps: the batch split puts several images side by side in one GEMM, and the
      // last chunk may hold a single image
      {{11, 8, 3, 3}, 16, 3, {1, 1, 2}},    // grouped 3x3 on 3x3 maps
      {{9, 16, 2, 2}, 8, 1, {1, 0, 1}},     // pointwise on 2x2 maps
      {{7, 8, 4, 4}, 4, 1, {2, 0, 1}},      // strided 1x1 (im2col) on 4x4 maps
      // one image on a small map: the inner split streams the weights (transposed columns)
      {{1, 32, 6, 6}, 26, 3, {1, 1, 1}},    // dense 3x3, P 36
      {{1, 40, 4, 4}, 20, 1, {1, 0, 2}},    // grouped pointwise, P 16
      {{1, 24, 1, 1}, 30, 1, {1, 0, 1}},    // a 1x1 map, P 1
  };
  for (auto split : {Conv2dSplit::Batch, Conv2dSplit::Inner}) {
    set_conv2d_split(split);
    for (const auto& s : shapes) {
      INFO("x " << shape_str(s.x) << " O " << s.O << " k " << s.k << " groups " << s.p.groups << " split "
                << int(split));
      check_against_naive(s);
    }
  }
  set_conv2d_split(Conv2dSplit::Auto);
}

TEST_CASE("conv2d rejects bad arguments with clear messages", "[conv2d]") {
  Tensor x = Tensor::zeros({2, 6, 8, 8}), w = Tensor::zeros({4, 3, 3, 3});
  CHECK_THROWS_WITH(conv2d(Tensor::zeros({6, 8, 8}), w, Tensor(), {1, 1, 2}), Catch::Contains("x must be 4-D"));
  CHECK_THROWS_WITH(conv2d(x, Tensor::zeros({4, 3, 3}), Tensor(), {1, 1, 2}), Catch::Contains("weight must be 4-D"));
  CHECK_THROWS_WITH(conv2d(x, w, Tensor(), {1, 1, 4}), Catch::Contains("input channels (6") &&
                                                          Catch::Contains("not divisible by groups (4)"));
  CHECK_THROWS_WITH(conv2d(x, Tensor::zeros({5, 3, 3, 3}), Tensor(), {1, 1, 2}),
                    Catch::Contains("output channels (5"));
  CHECK_THROWS_WITH(conv2d(x, w, Tensor(), {1, 1, 1}),
                    Catch::Contains("(4, 6, kH, kW)") && Catch::Contains("got [4, 3, 3, 3]"));
  CHECK_THROWS_WITH(conv2d(x, w, Tensor::zeros({3}), {1, 1, 2}), Catch::Contains("bias") && Catch::Contains("[3]"));
  CHECK_THROWS_WITH(conv2d(Tensor::zeros({1, 6, 2, 2}), w, Tensor(), {1, 0, 2}), Catch::Contains("output size"));
  CHECK_THROWS_WITH(conv2d(x, w, Tensor(), {0, 1, 2}), Catch::Contains("stride >= 1"));
  CHECK_THROWS_WITH(conv2d(x, Tensor::zeros({4, 3, 3, 3}, DType::F64), Tensor(), {1, 1, 2}),
                    Catch::Contains("dtype mismatch"));
  CHECK_NOTHROW(conv2d(x, w, Tensor(), {1, 1, 2}));
  CHECK(conv2d(Tensor::zeros({1, 6, 2, 2}), w, Tensor(), {1, 1, 2}).shape() == Shape{1, 4, 2, 2});
}

TEST_CASE("conv2d with an empty batch, and a float64 seed gradient for float32 tensors", "[conv2d]") {
  Tensor w = Tensor::ones({4, 2, 3, 3}).requires_grad_(), b = Tensor::ones({4}).requires_grad_();
  Tensor y = conv2d(Tensor::zeros({0, 2, 5, 5}), w, b, {1, 1, 1});
  CHECK(y.shape() == Shape{0, 4, 5, 5});
  autograd::backward({y}, {Tensor::zeros({0, 4, 5, 5})});
  CHECK(w.grad().to_vector<float>() == std::vector<float>(72, 0.0f));
  CHECK(b.grad().to_vector<float>() == std::vector<float>(4, 0.0f));

  Generator gen(3);
  Tensor x = Tensor::randn({2, 4, 6, 6}, gen).requires_grad_();
  Tensor w2 = Tensor::randn({4, 2, 3, 3}, gen).requires_grad_();
  Tensor y2 = conv2d(x, w2, Tensor(), {2, 1, 2});
  Tensor gy = Tensor::randn(y2.shape(), gen, DType::F64);
  autograd::backward({y2}, {gy});
  Ref r = naive_conv(x.detach(), w2.detach(), gy, {2, 1, 2});
  CHECK(x.grad().dtype() == DType::F32);
  expect_close(x.grad(), r.dx, "dx");
  expect_close(w2.grad(), r.dw, "dw");
}

TEST_CASE("conv2d timing on the tiny-model shapes (printed, not asserted)", "[conv2d][timing]") {
  time_conv("grouped", {32, 64, 28, 28}, 64, 3, {1, 1, 8});
  time_conv("grouped", {32, 64, 56, 56}, 64, 3, {1, 1, 8});
  time_conv("pointwise", {32, 64, 28, 28}, 128, 1, {1, 0, 1});
  time_conv("depthwise", {32, 64, 28, 28}, 64, 3, {1, 1, 64});
}
