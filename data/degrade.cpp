#include "data/degrade.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <vector>

#include "data/blur.h"
#include "data/jpeg_codec.h"
#include "data/resample.h"
#include "engine/check.h"
#include "engine/rng.h"

namespace kd::data {
namespace {

// Sub-stream keys so the motion angle and the noise field are independent given one seed.
constexpr uint64_t kMotionStream = 0x6d6f74696f6eULL;
constexpr uint64_t kNoiseStream = 0x6e6f697365ULL;
constexpr double kPi = 3.14159265358979323846;

// Per-thread float scratch: the loader calls degrade() for every sample, so no allocation
// after the first image of a given size. Every buffer is (h, w, c): no intermediate of a
// pass is larger than the image.
struct Scratch {
  std::vector<float> a, b, t1, t2;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// The resolution protocol as at most two separable passes: (x1, y1) from the input, then
// (x2, y2) (paper: back up to full size).
struct Filters {
  Taps x1, y1, x2, y2;
};

Filters make_filters(const DegradeSpec& spec, int w, int h, int lw, int lh) {
  Filters f;
  if (spec.protocol == "paper") {
    // Blur and downsampling compose into one filter per axis (exactly: both are linear).
    f.x1 = bicubic_taps(w, lw);
    f.y1 = bicubic_taps(h, lh);
    if (spec.blur_sigma > 0) {
      const int radius = std::max(1, int(std::ceil(3 * spec.blur_sigma)));
      const auto g = gaussian_kernel1d(spec.blur_sigma, radius);
      f.x1 = compose_taps(f.x1, convolution_taps(g, w));
      f.y1 = compose_taps(f.y1, convolution_taps(g, h));
    }
    f.x2 = bicubic_taps(lw, w);
    f.y2 = bicubic_taps(lh, h);
  } else {
    // nearest down, nearest up, then torchvision's 5x5 Gaussian (sigma_x = 0.1,
    // sigma_y = 2.0, reflect padding): all linear, so one composed filter per axis.
    const Taps nx = compose_taps(nearest_taps(lw, w), nearest_taps(w, lw));
    const Taps ny = compose_taps(nearest_taps(lh, h), nearest_taps(h, lh));
    f.x1 = compose_taps(convolution_taps(gaussian_kernel1d(0.1, 2), w), nx);
    f.y1 = compose_taps(convolution_taps(gaussian_kernel1d(2.0, 2), h), ny);
  }
  return f;
}

// Building taps costs more than applying them to one 112x112 image, and the loader uses
// a handful of (protocol, size, scale) combinations: keep them per thread.
const Filters& filters_for(const DegradeSpec& spec, int w, int h, int lw, int lh) {
  using Key = std::tuple<std::string, double, int, int, int, int>;
  thread_local std::map<Key, Filters> cache;
  const double sigma = spec.protocol == "paper" ? spec.blur_sigma : 0.0;
  const Key key{spec.protocol, sigma, w, h, lw, lh};
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() > 64) cache.clear();  // bounded: sigma sweeps must not grow it forever
  return cache.emplace(key, make_filters(spec, w, h, lw, lh)).first->second;
}

// N(0, 1) quantised to 65,536 equiprobable values: entry i = Phi^-1((i + 0.5) / 65536)
// (tails at +-4.33 sigma). A table lookup per pixel instead of Box-Muller's log, sqrt and
// sincos, which cost more than the whole resolution protocol.
const float* normal_quantiles() {
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    double x = -4.0;
    for (int i = 0; i < 32768; ++i) {
      const double p = (i + 0.5) / 65536.0;
      for (int it = 0; it < 60; ++it) {  // Newton from the previous quantile: monotone, 2-4 steps
        const double f = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
        const double step = f / (std::exp(-0.5 * x * x) / std::sqrt(2 * kPi));
        x -= step;
        if (std::fabs(step) < 1e-12) break;
      }
      t[i] = float(x);
      t[65535 - i] = float(-x);
    }
    return t;
  }();
  return table.data();
}

// Round half up after clamping to [0, 255]; written so the loop vectorises (maxps/minps).
inline uint8_t to_u8(float v) {
  v = v < 0.f ? 0.f : v;
  v = v > 255.f ? 255.f : v;
  return uint8_t(int(v + 0.5f));
}

double get_number(const nlohmann::json& j, const std::string& where, const char* key) {
  const auto& v = j.at(key);
  KD_CHECK(v.is_number(), where, ": key '", key, "' must be a number, got ", v.dump());
  return v.get<double>();
}

int get_int(const nlohmann::json& j, const std::string& where, const char* key) {
  const auto& v = j.at(key);
  KD_CHECK(v.is_number_integer(), where, ": key '", key, "' must be an integer, got ", v.dump());
  return v.get<int>();
}

}  // namespace

DegradeSpec degrade_spec_from_json(const nlohmann::json& j, const std::string& where) {
  KD_CHECK(j.is_object(), where, ": degradation spec must be a JSON object, got ", j.dump());
  static const char* known[] = {"protocol", "blur_sigma", "jpeg_quality", "noise_std", "motion_length"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const char* k : known) ok = ok || it.key() == k;
    KD_CHECK(ok, where, ": unknown key '", it.key(),
             "' (known: protocol, blur_sigma, jpeg_quality, noise_std, motion_length)");
  }
  DegradeSpec s;
  if (j.contains("protocol")) {
    KD_CHECK(j["protocol"].is_string(), where, ": key 'protocol' must be a string, got ", j["protocol"].dump());
    s.protocol = j["protocol"].get<std::string>();
  }
  if (j.contains("blur_sigma")) s.blur_sigma = get_number(j, where, "blur_sigma");
  if (j.contains("jpeg_quality")) s.jpeg_quality = get_int(j, where, "jpeg_quality");
  if (j.contains("noise_std")) s.noise_std = get_number(j, where, "noise_std");
  if (j.contains("motion_length")) s.motion_length = get_int(j, where, "motion_length");
  KD_CHECK(s.protocol == "none" || s.protocol == "paper" || s.protocol == "askd", where,
           ": key 'protocol' must be one of none, paper, askd, got '", s.protocol, "'");
  KD_CHECK(s.blur_sigma >= 0 && s.blur_sigma <= 20, where, ": key 'blur_sigma' must be in [0, 20], got ",
           s.blur_sigma);
  KD_CHECK(s.jpeg_quality >= 0 && s.jpeg_quality <= 100, where,
           ": key 'jpeg_quality' must be 0 (off) or 1..100, got ", s.jpeg_quality);
  KD_CHECK(s.noise_std >= 0 && s.noise_std <= 255, where, ": key 'noise_std' must be in [0, 255], got ",
           s.noise_std);
  KD_CHECK(s.motion_length >= 0 && s.motion_length <= 64, where,
           ": key 'motion_length' must be 0 (off) or 1..64, got ", s.motion_length);
  return s;
}

nlohmann::json degrade_spec_to_json(const DegradeSpec& s) {
  return {{"protocol", s.protocol},
          {"blur_sigma", s.blur_sigma},
          {"jpeg_quality", s.jpeg_quality},
          {"noise_std", s.noise_std},
          {"motion_length", s.motion_length}};
}

void degrade(const Image& hr, const DegradeSpec& spec, int scale, uint64_t seed, Image& out) {
  KD_CHECK(hr.c == 1 || hr.c == 3, "degrade: image must be grey or RGB, got ", hr.c, " channels");
  KD_CHECK(hr.w > 0 && hr.h > 0 && hr.px.size() == size_t(hr.w) * hr.h * hr.c, "degrade: bad image ", hr.w,
           "x", hr.h, "x", hr.c, " with ", hr.px.size(), " bytes");
  KD_CHECK(scale == 1 || scale == 2 || scale == 4 || scale == 8, "degrade: scale must be 1, 2, 4 or 8, got ",
           scale);
  KD_CHECK(spec.protocol == "none" || spec.protocol == "paper" || spec.protocol == "askd",
           "degrade: protocol must be none, paper or askd, got '", spec.protocol, "'");
  KD_CHECK(spec.protocol != "none" || scale == 1, "degrade: protocol 'none' does no resampling, so scale must be 1, got ",
           scale);
  KD_CHECK(&out != &hr, "degrade: out must not alias hr");
  const int w = hr.w, h = hr.h, C = hr.c;
  const size_t plane = size_t(w) * h;
  // Low-resolution size: round(size / scale), at least one pixel.
  const int lw = std::max(1, int(std::lround(double(w) / scale)));
  const int lh = std::max(1, int(std::lround(double(h) / scale)));

  Scratch& s = scratch();
  const size_t n = plane * C;
  for (auto* v : {&s.a, &s.b, &s.t1, &s.t2}) v->resize(n);
  for (size_t i = 0; i < n; ++i) s.a[i] = hr.px[i];

  if (scale > 1) {
    const Filters& f = filters_for(spec, w, h, lw, lh);
    if (spec.protocol == "paper") {
      apply_taps_2d(s.a.data(), C, f.x1, f.y1, s.t1.data(), s.t2.data(), s.b.data());  // (lh, lw, C)
      apply_taps_2d(s.b.data(), C, f.x2, f.y2, s.t1.data(), s.t2.data(), s.a.data());  // (h, w, C)
    } else {
      apply_taps_2d(s.a.data(), C, f.x1, f.y1, s.t1.data(), s.t2.data(), s.b.data());
      s.a.swap(s.b);
    }
  }

  if (spec.motion_length > 1) {
    const double angle = uniform01(mix64(seed, kMotionStream)) * kPi;  // a line: [0, pi) covers all
    motion_blur(s.a.data(), w, h, C, spec.motion_length, angle, s.b.data());
    s.a.swap(s.b);
  }
  if (spec.noise_std > 0) {
    const float sd = float(spec.noise_std);
    const uint64_t key = mix64(seed, kNoiseStream);
    const float* table = normal_quantiles();
    for (size_t i = 0; i < n; i += 4) {
      // One counter-based draw per 4 values (16 bits each): the field depends on seed and
      // element index only, never on threads.
      const uint64_t r = mix64(key, i / 4);
      for (size_t j = 0; j < 4 && i + j < n; ++j) s.a[i + j] += sd * table[(r >> (16 * j)) & 0xFFFF];
    }
  }

  out.w = w;
  out.h = h;
  out.c = C;
  out.px.resize(n);
  for (size_t i = 0; i < n; ++i) out.px[i] = to_u8(s.a[i]);
  if (spec.jpeg_quality > 0) {
    const auto bytes = encode_jpeg(out, spec.jpeg_quality);
    Image dec = decode_jpeg(bytes.data(), bytes.size(), "degrade: JPEG re-compression");
    if (C == 3) {
      out.px.swap(dec.px);
    } else {
      for (size_t i = 0; i < plane; ++i) out.px[i] = dec.px[i * 3];  // grey JPEG decodes to R=G=B
    }
  }
}

}  // namespace kd::data
