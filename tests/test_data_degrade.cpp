// Degradation protocols against values computed here independently of data/: Gaussian
// taps written out, Keys cubic weights worked by hand, nearest index maps, reflect padding.
#include <catch2/catch.hpp>

#include <time.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "data/blur.h"
#include "data/degrade.h"
#include "data/jpeg_codec.h"
#include "data/resample.h"
#include "engine/check.h"

using namespace kd::data;

namespace {

Image grey(int w, int h, const std::vector<int>& v) {
  Image im(w, h, 1);
  for (size_t i = 0; i < v.size(); ++i) im.px[i] = uint8_t(v[i]);
  return im;
}

Image pattern_rgb(int w, int h) {
  Image im(w, h, 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) im.at(x, y, c) = uint8_t((x * 37 + y * 91 + c * 53 + (x * y) % 7 * 11) % 256);
  return im;
}

// (a 2x4 by 4x4 ...) small dense matrix helpers for the hand-computed references.
using Mat = std::vector<std::vector<double>>;
Mat mul(const Mat& a, const Mat& b) {
  Mat r(a.size(), std::vector<double>(b[0].size(), 0.0));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t k = 0; k < b.size(); ++k)
      for (size_t j = 0; j < b[0].size(); ++j) r[i][j] += a[i][k] * b[k][j];
  return r;
}
Mat transpose(const Mat& a) {
  Mat r(a[0].size(), std::vector<double>(a.size()));
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j < a[0].size(); ++j) r[j][i] = a[i][j];
  return r;
}
int round_u8(double v) { return int(std::floor(std::min(255.0, std::max(0.0, v)) + 0.5)); }

std::vector<double> row_weights(const Taps& t, int i) {
  std::vector<double> r(t.in, 0.0);
  for (int k = 0; k < t.width; ++k) r[t.idx[size_t(i) * t.width + k]] += t.w[size_t(i) * t.width + k];
  return r;
}

// CPU time of this thread: the test machines are shared, so wall time says little.
double thread_us() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

}  // namespace

TEST_CASE("gaussian taps for sigma 2.0, radius 2 (torchvision's 5-tap kernel)") {
  // exp(-k^2/8) for k = 0, 1, 2: 1, 0.8824969, 0.6065307; sum = 3.9780552.
  const auto g = gaussian_kernel1d(2.0, 2);
  REQUIRE(g.size() == 5);
  const double want[5] = {0.15246914, 0.22184130, 0.25137912, 0.22184130, 0.15246914};
  for (int k = 0; k < 5; ++k) CHECK(g[k] == Approx(want[k]).margin(1e-7));
  // sigma 0.1: exp(-50) ~ 2e-22, so the horizontal A-SKD kernel is the identity in float.
  const auto g01 = gaussian_kernel1d(0.1, 2);
  CHECK(g01[2] == 1.0f);
  CHECK(g01[1] < 1e-20f);
}

TEST_CASE("reflect padding maps indices like torch's pad(mode='reflect')") {
  // n = 4: ... 2 1 | 0 1 2 3 | 2 1 ...
  CHECK(reflect_index(-1, 4) == 1);
  CHECK(reflect_index(-2, 4) == 2);
  CHECK(reflect_index(4, 4) == 2);
  CHECK(reflect_index(5, 4) == 1);
  CHECK(reflect_index(0, 1) == 0);
  const Taps t = convolution_taps(gaussian_kernel1d(2.0, 2), 4);
  const std::vector<int> row0 = {2, 1, 0, 1, 2}, row3 = {1, 2, 3, 2, 1};
  for (int k = 0; k < 5; ++k) {
    CHECK(t.idx[k] == row0[k]);
    CHECK(t.idx[3 * 5 + k] == row3[k]);
  }
  // Applied to [10, 20, 30, 40]: out[0] = .152*30 + .222*20 + .251*10 + .222*20 + .152*30.
  const float src[4] = {10, 20, 30, 40};
  float dst[4];
  apply_taps_h(src, 1, t, dst);
  CHECK(dst[0] == Approx(0.15246914 * 60 + 0.22184130 * 40 + 0.25137912 * 10).epsilon(1e-6));
  CHECK(dst[3] == Approx(0.15246914 * 40 + 0.22184130 * 60 + 0.25137912 * 40).epsilon(1e-6));
}

TEST_CASE("Keys cubic (a = -0.5) and bicubic taps") {
  CHECK(keys_cubic(0.0, -0.5) == 1.0);
  CHECK(keys_cubic(0.5, -0.5) == Approx(0.5625));
  CHECK(keys_cubic(1.5, -0.5) == Approx(-0.0625));
  CHECK(keys_cubic(1.0, -0.5) == Approx(0.0).margin(1e-12));
  CHECK(keys_cubic(2.5, -0.5) == 0.0);
  SECTION("2x upsampling, interior pixel: four taps at distances 1.25, 0.25, 0.75, 1.75") {
    const Taps t = bicubic_taps(4, 8);
    const auto r = row_weights(t, 3);  // centre (3 + 0.5) / 2 - 0.5 = 1.25 in source pixels
    CHECK(r[0] == Approx(-0.0703125));
    CHECK(r[1] == Approx(0.8671875));
    CHECK(r[2] == Approx(0.2265625));
    CHECK(r[3] == Approx(-0.0234375));
  }
  SECTION("2x antialiased downsampling stretches the kernel and renormalises at the border") {
    const Taps t = bicubic_taps(4, 2);
    const auto r = row_weights(t, 0);  // distances/2: 0.25, 0.25, 0.75, 1.25
    const double s = 0.8671875 * 2 + 0.2265625 - 0.0703125;
    CHECK(r[0] == Approx(0.8671875 / s));
    CHECK(r[1] == Approx(0.8671875 / s));
    CHECK(r[2] == Approx(0.2265625 / s));
    CHECK(r[3] == Approx(-0.0703125 / s));
  }
}

TEST_CASE("composed filters equal the two filters applied in turn") {
  const Taps g = convolution_taps(gaussian_kernel1d(1.0, 3), 20);
  const Taps d = bicubic_taps(20, 5);
  const Taps gd = compose_taps(d, g);
  CHECK(gd.in == 20);
  CHECK(gd.out == 5);
  std::vector<float> src(20), mid(20), two(5), one(5);
  for (int i = 0; i < 20; ++i) src[i] = float((i * 53) % 29) * 7.f;
  apply_taps_h(src.data(), 1, g, mid.data());
  apply_taps_h(mid.data(), 1, d, two.data());
  apply_taps_h(src.data(), 1, gd, one.data());
  for (int i = 0; i < 5; ++i) CHECK(one[i] == Approx(two[i]).margin(1e-3));
  CHECK_THROWS_WITH(compose_taps(g, d), Catch::Contains("reads 20 samples but the first writes 5"));
}

TEST_CASE("nearest taps follow torch's floor(dst * in / out)") {
  CHECK(nearest_taps(5, 2).idx == std::vector<int>{0, 2});
  CHECK(nearest_taps(2, 5).idx == std::vector<int>{0, 0, 0, 1, 1});
  CHECK(nearest_taps(112, 14).idx[1] == 8);
  CHECK(nearest_taps(14, 112).idx[15] == 1);
}

TEST_CASE("paper protocol on a 4x4 image equals U D X D^T U^T worked by hand") {
  const std::vector<int> v = {60, 80, 120, 200, 90, 100, 140, 180, 70, 150, 110, 100, 130, 160, 90, 60};
  const Image hr = grey(4, 4, v);
  DegradeSpec spec;
  spec.blur_sigma = 0;  // isolate the resampling; the Gaussian is checked above
  Image out;
  degrade(hr, spec, 2, 1, out);
  const double s = 0.8671875 * 2 + 0.2265625 - 0.0703125;
  const Mat D = {{0.8671875 / s, 0.8671875 / s, 0.2265625 / s, -0.0703125 / s},
                 {-0.0703125 / s, 0.2265625 / s, 0.8671875 / s, 0.8671875 / s}};
  const double u0 = 0.8671875 - 0.0703125, u1 = 0.8671875 + 0.2265625;
  const Mat U = {{0.8671875 / u0, -0.0703125 / u0},
                 {0.8671875 / u1, 0.2265625 / u1},
                 {0.2265625 / u1, 0.8671875 / u1},
                 {-0.0703125 / u0, 0.8671875 / u0}};
  Mat X(4, std::vector<double>(4));
  for (int i = 0; i < 16; ++i) X[i / 4][i % 4] = v[i];
  const Mat Y = mul(mul(U, D), mul(X, transpose(mul(U, D))));
  int changed = 0;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) {
      INFO("pixel " << x << "," << y << " ref " << Y[y][x]);
      CHECK(std::abs(int(out.at(x, y, 0)) - round_u8(Y[y][x])) <= 1);  // float vs double rounding
      changed += out.at(x, y, 0) != hr.at(x, y, 0);
    }
  CHECK(changed >= 12);
}

TEST_CASE("askd protocol: nearest 4x4 -> 2x2 -> 4x4, then the vertical 5-tap Gaussian with reflect") {
  const std::vector<int> v = {10, 200, 60, 90, 30, 40, 250, 70, 100, 0, 180, 20, 220, 120, 80, 160};
  DegradeSpec spec;
  spec.protocol = "askd";
  Image out;
  degrade(grey(4, 4, v), spec, 2, 7, out);
  // floor(dst*2) then floor(dst/2): rows and columns 0, 0, 2, 2.
  const int m[4] = {0, 0, 2, 2};
  double N[4][4];
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) N[y][x] = v[m[y] * 4 + m[x]];
  const double g[5] = {0.15246914, 0.22184130, 0.25137912, 0.22184130, 0.15246914};
  const int refl[4][5] = {{2, 1, 0, 1, 2}, {1, 0, 1, 2, 3}, {0, 1, 2, 3, 2}, {1, 2, 3, 2, 1}};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) {
      double acc = 0;
      for (int k = 0; k < 5; ++k) acc += g[k] * N[refl[y][k]][x];
      INFO("pixel " << x << "," << y << " ref " << acc);
      CHECK(std::abs(int(out.at(x, y, 0)) - round_u8(acc)) <= 1);
    }
  // No horizontal blur: columns 0/1 and 2/3 stay pairwise equal.
  for (int y = 0; y < 4; ++y) {
    CHECK(out.at(0, y, 0) == out.at(1, y, 0));
    CHECK(out.at(2, y, 0) == out.at(3, y, 0));
  }
}

TEST_CASE("askd at 112x112, scale 8: 8-pixel column blocks stay constant") {
  const Image hr = pattern_rgb(112, 112);
  DegradeSpec spec;
  spec.protocol = "askd";
  Image out;
  degrade(hr, spec, 8, 0, out);
  REQUIRE(out.w == 112);
  REQUIRE(out.h == 112);
  REQUIRE(out.c == 3);
  int bad = 0;
  for (int y = 0; y < 112; ++y)
    for (int x = 0; x < 112; ++x)
      for (int c = 0; c < 3; ++c) bad += out.at(x, y, c) != out.at(x / 8 * 8, y, c);
  CHECK(bad == 0);
}

TEST_CASE("odd sizes and grey images keep their shape through every protocol and JPEG") {
  const Image rgb = pattern_rgb(89, 109);
  Image grey_img(89, 109, 1);
  for (size_t i = 0; i < grey_img.px.size(); ++i) grey_img.px[i] = rgb.px[i * 3];
  DegradeSpec spec;
  spec.jpeg_quality = 80;
  for (const char* proto : {"paper", "askd"})
    for (const Image* im : std::vector<const Image*>{&rgb, &grey_img}) {
      spec.protocol = proto;
      Image out;
      degrade(*im, spec, 8, 3, out);  // low resolution 11x14
      CHECK(out.w == 89);
      CHECK(out.h == 109);
      CHECK(out.c == im->c);
      CHECK(out.px != im->px);
    }
  Image rgba(8, 8, 4);
  Image out;
  CHECK_THROWS_WITH(degrade(rgba, spec, 2, 0, out), Catch::Contains("grey or RGB"));
}

TEST_CASE("scale 1 with protocol none (or paper) and no extras is the identity") {
  const Image hr = pattern_rgb(112, 112);
  Image out;
  DegradeSpec none;
  none.protocol = "none";
  degrade(hr, none, 1, 123, out);
  CHECK(out.px == hr.px);
  degrade(hr, DegradeSpec{}, 1, 5, out);
  CHECK(out.px == hr.px);
  CHECK_THROWS_WITH(degrade(hr, none, 2, 1, out), Catch::Contains("scale must be 1"));
  CHECK_THROWS_WITH(degrade(hr, DegradeSpec{}, 3, 1, out), Catch::Contains("scale must be 1, 2, 4 or 8, got 3"));
}

TEST_CASE("extras are deterministic given the seed; seeds differ for noise and motion") {
  const Image hr = pattern_rgb(112, 112);
  DegradeSpec spec;
  spec.noise_std = 8;
  spec.motion_length = 7;
  spec.jpeg_quality = 60;
  Image a, b, c;
  degrade(hr, spec, 4, 42, a);
  degrade(hr, spec, 4, 42, b);
  degrade(hr, spec, 4, 43, c);
  CHECK(a.px == b.px);
  CHECK(a.px != c.px);
  spec.protocol = "askd";
  degrade(hr, spec, 2, 42, a);
  degrade(hr, spec, 2, 42, b);
  CHECK(a.px == b.px);
}

TEST_CASE("noise has the requested standard deviation and zero mean") {
  Image flat(112, 112, 3);
  std::fill(flat.px.begin(), flat.px.end(), uint8_t(128));
  DegradeSpec spec;
  spec.protocol = "none";
  spec.noise_std = 10;
  Image out;
  degrade(flat, spec, 1, 9, out);
  double m = 0, v = 0;
  for (auto p : out.px) m += p - 128.0;
  m /= out.px.size();
  for (auto p : out.px) v += (p - 128.0 - m) * (p - 128.0 - m);
  const double sd = std::sqrt(v / out.px.size());
  CHECK(std::abs(m) < 0.3);
  CHECK(sd == Approx(10.0).epsilon(0.04));  // + rounding variance 1/12
  // Shape, not just moments: |diff| <= 10 <=> |z| < 1.05 (P = 0.7063); |diff| >= 21 <=>
  // |z| > 2.05 (P = 0.0404).
  double inner = 0, tail = 0;
  for (auto p : out.px) {
    inner += std::abs(p - 128) <= 10;
    tail += std::abs(p - 128) >= 21;
  }
  CHECK(inner / out.px.size() == Approx(0.7063).margin(0.015));
  CHECK(tail / out.px.size() == Approx(0.0404).margin(0.006));
}

TEST_CASE("motion blur: a horizontal line kernel spreads an impulse evenly") {
  std::vector<float> src(9 * 5, 0.f), dst(9 * 5);
  src[2 * 9 + 4] = 90.f;
  motion_blur(src.data(), 9, 5, 1, 3, 0.0, dst.data());
  CHECK(dst[2 * 9 + 3] == Approx(30.f));
  CHECK(dst[2 * 9 + 4] == Approx(30.f));
  CHECK(dst[2 * 9 + 5] == Approx(30.f));
  CHECK(dst[2 * 9 + 2] == Approx(0.f).margin(1e-6));
  CHECK(dst[1 * 9 + 4] == Approx(0.f).margin(1e-6));
  // Vertical (pi/2): the impulse spreads over rows 1..3 instead.
  motion_blur(src.data(), 9, 5, 1, 3, 3.14159265358979 / 2, dst.data());
  CHECK(dst[1 * 9 + 4] == Approx(30.f).epsilon(1e-5));
  CHECK(dst[3 * 9 + 4] == Approx(30.f).epsilon(1e-5));
  CHECK(dst[2 * 9 + 5] == Approx(0.f).margin(1e-4));
}

TEST_CASE("motion blur equals a direct per-pixel bilinear average, borders included") {
  const int w = 13, h = 9, c = 3;
  std::vector<float> src(w * h * c), dst(src.size());
  for (size_t i = 0; i < src.size(); ++i) src[i] = float((i * 37) % 101);
  for (double ang : {0.3, 1.9, 2.8})
    for (int len : {2, 5, 8}) {
      motion_blur(src.data(), w, h, c, len, ang, dst.data());
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          for (int ch = 0; ch < c; ++ch) {
            double acc = 0;
            for (int k = 0; k < len; ++k) {
              const double t = k - 0.5 * (len - 1);
              const double sx = x + t * std::cos(ang), sy = y + t * std::sin(ang);
              const int x0 = int(std::floor(sx)), y0 = int(std::floor(sy));
              const double fx = sx - x0, fy = sy - y0;
              auto at = [&](int xx, int yy) {
                xx = std::min(std::max(xx, 0), w - 1);
                yy = std::min(std::max(yy, 0), h - 1);
                return double(src[(yy * w + xx) * c + ch]);
              };
              acc += (1 - fx) * (1 - fy) * at(x0, y0) + fx * (1 - fy) * at(x0 + 1, y0) +
                     (1 - fx) * fy * at(x0, y0 + 1) + fx * fy * at(x0 + 1, y0 + 1);
            }
            INFO("angle " << ang << " length " << len << " pixel " << x << "," << y);
            REQUIRE(dst[(y * w + x) * c + ch] == Approx(acc / len).margin(1e-3));
          }
    }
}

TEST_CASE("degradation spec JSON is strict") {
  const auto s = degrade_spec_from_json(nlohmann::json::parse(R"({"protocol":"askd","jpeg_quality":50})"), "cfg.json:degrade");
  CHECK(s.protocol == "askd");
  CHECK(s.jpeg_quality == 50);
  CHECK(s.blur_sigma == 1.0);
  CHECK(degrade_spec_from_json(degrade_spec_to_json(s), "x").protocol == "askd");
  CHECK_THROWS_WITH(degrade_spec_from_json(nlohmann::json::parse(R"({"blur_sgima":1})"), "cfg.json:degrade"),
                    Catch::Contains("cfg.json:degrade") && Catch::Contains("unknown key 'blur_sgima'"));
  CHECK_THROWS_WITH(degrade_spec_from_json(nlohmann::json::parse(R"({"protocol":"bicubic"})"), "w"),
                    Catch::Contains("'protocol'") && Catch::Contains("bicubic"));
  CHECK_THROWS_WITH(degrade_spec_from_json(nlohmann::json::parse(R"({"jpeg_quality":101})"), "w"),
                    Catch::Contains("'jpeg_quality'") && Catch::Contains("101"));
  CHECK_THROWS_WITH(degrade_spec_from_json(nlohmann::json::parse(R"({"noise_std":"high"})"), "w"),
                    Catch::Contains("'noise_std' must be a number"));
  CHECK_THROWS_WITH(degrade_spec_from_json(nlohmann::json::parse(R"({"motion_length":2.5})"), "w"),
                    Catch::Contains("'motion_length' must be an integer"));
}

TEST_CASE("JPEG codec round trip and errors that name the record") {
  const Image hr = pattern_rgb(64, 48);
  Image smooth(64, 48, 3);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x)
      for (int c = 0; c < 3; ++c) smooth.at(x, y, c) = uint8_t(40 + 2 * x + y + 10 * c);
  const auto bytes = encode_jpeg(smooth, 95);
  REQUIRE(bytes.size() > 100);
  CHECK(bytes[0] == 0xFF);
  CHECK(bytes[1] == 0xD8);
  const Image back = decode_jpeg(bytes.data(), bytes.size(), "mem");
  REQUIRE(back.w == 64);
  REQUIRE(back.h == 48);
  REQUIRE(back.c == 3);
  double err = 0;
  for (size_t i = 0; i < back.px.size(); ++i) err += std::abs(int(back.px[i]) - int(smooth.px[i]));
  CHECK(err / back.px.size() < 1.5);
  // Grey encodes as a one-channel JPEG and decodes to RGB.
  const Image g = grey(8, 8, std::vector<int>(64, 77));
  const auto gb = encode_jpeg(g, 90);
  const Image gd = decode_jpeg(gb.data(), gb.size(), "grey");
  CHECK(gd.c == 3);
  CHECK(std::abs(int(gd.at(3, 3, 1)) - 77) <= 1);
  std::vector<uint8_t> junk(100, 7);
  CHECK_THROWS_WITH(decode_jpeg(junk.data(), junk.size(), "shard 3 record 17"), Catch::Contains("shard 3 record 17"));
  const auto full = encode_jpeg(hr, 90);
  CHECK_THROWS_WITH(decode_jpeg(full.data(), full.size() / 2, "truncated.jpg"), Catch::Contains("truncated.jpg"));
  CHECK_THROWS_WITH(encode_jpeg(hr, 0), Catch::Contains("quality"));
}

TEST_CASE("degrade timing (printed, not asserted)") {
  const Image hr = pattern_rgb(112, 112);
  Image out;
  for (const char* proto : {"paper", "askd"})
    for (int s : {2, 4, 8}) {
      DegradeSpec spec;
      spec.protocol = proto;
      const int n = 2000;
      const double t0 = thread_us();
      for (int i = 0; i < n; ++i) degrade(hr, spec, s, uint64_t(i), out);
      std::printf("degrade %-5s x%d 112x112: %.1f us/image (thread CPU time)\n", proto, s, (thread_us() - t0) / n);
    }
  for (int which = 0; which < 3; ++which) {
    DegradeSpec one;
    one.protocol = "none";
    const char* name = which == 0 ? "motion 7" : which == 1 ? "noise 5" : "jpeg 75";
    if (which == 0) one.motion_length = 7;
    if (which == 1) one.noise_std = 5;
    if (which == 2) one.jpeg_quality = 75;
    const int m = 1000;
    const double t0 = thread_us();
    for (int i = 0; i < m; ++i) degrade(hr, one, 1, uint64_t(i), out);
    std::printf("degrade extra %-8s alone: %.1f us/image (thread CPU time)\n", name, (thread_us() - t0) / m);
  }
  DegradeSpec all;
  all.noise_std = 5;
  all.motion_length = 7;
  all.jpeg_quality = 75;
  const int n = 1000;
  const double t0 = thread_us();
  for (int i = 0; i < n; ++i) degrade(hr, all, 4, uint64_t(i), out);
  std::printf("degrade paper x4 + motion 7 + noise 5 + jpeg 75: %.1f us/image (thread CPU time)\n",
              (thread_us() - t0) / n);
}
