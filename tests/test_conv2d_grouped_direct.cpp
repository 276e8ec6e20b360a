// The direct grouped 3x3 forward kernel (conv2d_grouped_cpu.cpp) against the im2col + GEMM
// path of conv2d_forward_cpu, on the tiny model's grouped convs and on odd shapes, in float32
// and float64, with and without bias and ReLU; and the dispatch from conv2d_forward_cpu.
#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <vector>

#include "kernels/conv2d/conv2d_cpu.h"
#include "kernels/conv2d/conv2d_grouped_cpu.h"

using namespace kd;

namespace {

struct Shape {
  int64_t N, C, H, W, O, stride, groups;
};

Conv2dDims dims(const Shape& s, bool relu) {
  Conv2dDims d{};
  d.N = s.N, d.C = s.C, d.H = s.H, d.W = s.W, d.O = s.O, d.kh = 3, d.kw = 3;
  d.stride = s.stride, d.pad = 1, d.groups = s.groups;
  d.Ho = (s.H + 2 - 3) / s.stride + 1;
  d.Wo = (s.W + 2 - 3) / s.stride + 1;
  d.relu = relu;
  return d;
}

std::string describe(const Shape& s, bool bias, bool relu) {
  std::ostringstream o;
  o << "N=" << s.N << " C=" << s.C << " H=" << s.H << " W=" << s.W << " O=" << s.O << " stride=" << s.stride
    << " groups=" << s.groups << " bias=" << bias << " relu=" << relu;
  return o.str();
}

// Restores the dispatch mode when a check fails.
struct ModeGuard {
  int saved = grouped_direct_mode();
  ~ModeGuard() { set_grouped_direct_mode(saved); }
};

template <class T>
void check_shape(const Shape& s, bool with_bias, bool relu, double tol) {
  Conv2dDims d = dims(s, relu);
  std::mt19937 rng(uint32_t(s.C * 131 + s.H * 17 + s.W * 7 + s.stride + s.O * 3 + with_bias * 2 + relu));
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> x(size_t(d.N * d.C * d.H * d.W)), w(size_t(d.O * d.Cg() * 9)), b(size_t(d.O));
  for (auto& v : x) v = T(u(rng));
  for (auto& v : w) v = T(u(rng));
  for (auto& v : b) v = T(u(rng));
  const T* bp = with_bias ? b.data() : nullptr;
  size_t ny = size_t(d.N * d.O * d.P());
  std::vector<T> ref(ny, T(-7)), got(ny, T(-7));
  {
    ModeGuard guard;
    set_grouped_direct_mode(0);  // conv2d_forward_cpu takes im2col + GEMM
    conv2d_forward_cpu<T>(d, x.data(), w.data(), bp, ref.data());
  }
  grouped_direct_forward_cpu<T>(d, x.data(), w.data(), bp, got.data());
  INFO(describe(s, with_bias, relu) << (sizeof(T) == 4 ? " f32" : " f64"));
  int bad = 0;
  double worst = 0;
  for (size_t i = 0; i < ny; ++i) {
    double e = std::abs(double(got[i]) - double(ref[i])) / std::max(1.0, std::abs(double(ref[i])));
    worst = std::max(worst, e);
    if (!(e <= tol)) ++bad;  // NaN counts as bad
    if (relu && got[i] < T(0)) ++bad;
  }
  INFO("worst relative error " << worst);
  CHECK(bad == 0);
}

const std::vector<Shape>& tiny_shapes() {  // c2 of the tiny ResNeXt-CBAM (widths 16..128, groups 8)
  static const std::vector<Shape> v = {
      {2, 16, 112, 112, 16, 2, 8}, {2, 16, 56, 56, 16, 1, 8}, {2, 32, 56, 56, 32, 2, 8}, {2, 32, 28, 28, 32, 1, 8},
      {2, 64, 28, 28, 64, 2, 8},   {2, 64, 14, 14, 64, 1, 8}, {2, 128, 14, 14, 128, 2, 8}, {2, 128, 7, 7, 128, 1, 8},
      // the same at --size 32
      {3, 16, 32, 32, 16, 2, 8},   {3, 32, 16, 16, 32, 2, 8}, {3, 64, 8, 8, 64, 2, 8},     {3, 128, 4, 4, 128, 2, 8},
      {3, 128, 2, 2, 128, 1, 8},
  };
  return v;
}

const std::vector<Shape>& odd_shapes() {
  static const std::vector<Shape> v = {
      {2, 16, 9, 13, 16, 1, 8},  {2, 16, 9, 13, 16, 2, 8},  {2, 16, 13, 9, 24, 2, 8},  {1, 16, 1, 1, 16, 1, 8},
      {1, 16, 1, 1, 16, 2, 8},   {2, 16, 1, 17, 16, 1, 8},  {2, 16, 1, 17, 16, 2, 8},  {2, 16, 17, 1, 16, 2, 8},
      {2, 16, 17, 1, 16, 1, 8},  {1, 24, 7, 5, 8, 2, 4},    {3, 32, 5, 5, 64, 1, 4},   {2, 64, 11, 11, 32, 2, 4},
      {2, 48, 15, 15, 48, 1, 3}, {2, 64, 6, 7, 128, 2, 8},  {2, 6, 20, 3, 10, 1, 2},   {1, 32, 2, 3, 16, 2, 2},
      {5, 16, 33, 31, 16, 2, 8}, {2, 128, 3, 3, 40, 1, 8},  {2, 16, 2, 2, 16, 2, 8},   {1, 32, 3, 2, 32, 2, 2},
      {2, 32, 5, 5, 96, 1, 8},   {2, 32, 20, 20, 96, 1, 8}, {2, 32, 21, 20, 120, 2, 8}, {2, 16, 40, 3, 56, 2, 8},
  };
  return v;
}

template <class T>
void check_all(double tol) {
  for (const auto* list : {&tiny_shapes(), &odd_shapes()})
    for (const Shape& s : *list) {
      Conv2dDims d = dims(s, false);
      INFO(describe(s, false, false));
      REQUIRE(grouped_direct_supported(d));
      for (bool bias : {false, true})
        for (bool relu : {false, true}) check_shape<T>(s, bias, relu, tol);
    }
}

}  // namespace

TEST_CASE("grouped direct conv: float64 matches im2col + GEMM", "[conv2d][grouped]") {
  if (!grouped_direct_supported(dims({1, 16, 8, 8, 16, 1, 8}, false))) {
    WARN("the direct grouped kernel needs AVX-512; not checked on this CPU");
    return;
  }
  check_all<double>(1e-12);
}

TEST_CASE("grouped direct conv: float32 matches im2col + GEMM", "[conv2d][grouped]") {
  if (!grouped_direct_supported(dims({1, 16, 8, 8, 16, 1, 8}, false))) return;
  check_all<float>(1e-5);
}

TEST_CASE("grouped direct conv: an image's output does not depend on its batch", "[conv2d][grouped]") {
  // Each (image, group) is summed by one thread in a fixed order: a batch gives the same bits
  // as its images one at a time, whatever the thread count and the order items are taken in.
  Conv2dDims d = dims({5, 32, 23, 19, 32, 2, 8}, true);
  if (!grouped_direct_supported(d)) return;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> x(size_t(d.N * d.C * d.H * d.W)), w(size_t(d.O * d.Cg() * 9)), b(size_t(d.O));
  for (auto& v : x) v = u(rng);
  for (auto& v : w) v = u(rng);
  for (auto& v : b) v = u(rng);
  std::vector<float> y1(size_t(d.N * d.O * d.P())), y2(y1.size());
  grouped_direct_forward_cpu<float>(d, x.data(), w.data(), b.data(), y1.data());
  Conv2dDims d1 = d;
  d1.N = 1;
  for (int64_t n = 0; n < d.N; ++n)
    grouped_direct_forward_cpu<float>(d1, x.data() + n * d.C * d.H * d.W, w.data(), b.data(),
                                      y2.data() + n * d.O * d.P());
  CHECK(y1 == y2);
}

TEST_CASE("grouped direct conv: dispatch", "[conv2d][grouped]") {
  Conv2dDims d = dims({1, 16, 8, 8, 16, 1, 8}, false);
  ModeGuard guard;
  set_grouped_direct_mode(0);
  CHECK_FALSE(grouped_direct_preferred(d));
  // never for shapes it does not handle
  set_grouped_direct_mode(1);
  Conv2dDims dw = dims({1, 16, 8, 8, 16, 1, 16}, false);  // depthwise: its own kernel
  CHECK_FALSE(grouped_direct_supported(dw));
  Conv2dDims dense = dims({1, 16, 8, 8, 16, 1, 1}, false);
  CHECK_FALSE(grouped_direct_supported(dense));
  Conv2dDims wide = dims({1, 64, 8, 8, 64, 1, 2}, false);  // 32 channels per group
  CHECK_FALSE(grouped_direct_supported(wide));
  Conv2dDims k1 = d;
  k1.kh = k1.kw = 1, k1.pad = 0;
  CHECK_FALSE(grouped_direct_supported(k1));
}

// Timings (printed, not asserted): ./test_conv2d_grouped_direct "[.bench]"
TEST_CASE("grouped direct conv: timings", "[.bench]") {
  std::vector<Shape> shapes = tiny_shapes();
  // wider models: 8 and 16 channels per group on large planes
  for (Shape s : {Shape{0, 128, 56, 56, 128, 1, 8}, Shape{0, 128, 56, 56, 128, 2, 8}, Shape{0, 64, 56, 56, 64, 1, 8},
                  Shape{0, 256, 28, 28, 256, 1, 16}, Shape{0, 96, 30, 30, 96, 1, 8}})
    shapes.push_back(s);
  for (Shape s : shapes) {
    s.N = s.H >= 56 && s.C >= 64 ? 32 : 128;
    Conv2dDims d = dims(s, true);
    std::vector<float> x(size_t(d.N * d.C * d.H * d.W), 0.5f), w(size_t(d.O * d.Cg() * 9), 0.25f), b(size_t(d.O));
    std::vector<float> y(size_t(d.N * d.O * d.P()));
    double best[2] = {1e30, 1e30};
    for (int rep = 0; rep < 9; ++rep)
      for (int m = 0; m < 2; ++m) {
        ModeGuard guard;
        set_grouped_direct_mode(m);
        auto t0 = std::chrono::steady_clock::now();
        conv2d_forward_cpu<float>(d, x.data(), w.data(), b.data(), y.data());
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        best[m] = std::min(best[m], ms);
      }
    std::cout << describe(s, true, true) << ": im2col " << best[0] << " ms, direct " << best[1] << " ms ("
              << best[0] / best[1] << "x)\n";
  }
}
