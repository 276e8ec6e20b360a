#include "data/blur.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"

namespace kd::data {

std::vector<float> gaussian_kernel1d(double sigma, int radius) {
  KD_CHECK(sigma > 0, "gaussian_kernel1d: sigma must be > 0, got ", sigma);
  KD_CHECK(radius >= 0, "gaussian_kernel1d: radius must be >= 0, got ", radius);
  std::vector<double> g(2 * radius + 1);
  double sum = 0;
  for (int k = -radius; k <= radius; ++k) sum += g[k + radius] = std::exp(-0.5 * (k / sigma) * (k / sigma));
  std::vector<float> out(g.size());
  for (size_t i = 0; i < g.size(); ++i) out[i] = float(g[i] / sum);
  return out;
}

int reflect_index(int j, int n) {
  if (n == 1) return 0;
  const int period = 2 * (n - 1);
  j %= period;
  if (j < 0) j += period;
  return j < n ? j : period - j;
}

Taps convolution_taps(const std::vector<float>& kernel, int n) {
  KD_CHECK(kernel.size() % 2 == 1, "convolution_taps: kernel length must be odd, got ", kernel.size());
  KD_CHECK(n > 0, "convolution_taps: length must be > 0, got ", n);
  const int r = int(kernel.size() / 2);
  Taps t;
  t.in = t.out = n;
  t.width = int(kernel.size());
  t.idx.resize(size_t(n) * t.width);
  t.w.resize(size_t(n) * t.width);
  for (int i = 0; i < n; ++i)
    for (int k = -r; k <= r; ++k) {
      t.idx[size_t(i) * t.width + k + r] = reflect_index(i + k, n);
      t.w[size_t(i) * t.width + k + r] = kernel[k + r];
    }
  return t;
}

void motion_blur(const float* src, int w, int h, int c, int length, double angle_rad, float* dst) {
  KD_CHECK(length >= 1, "motion_blur: length must be >= 1, got ", length);
  const float ca = float(std::cos(angle_rad)), sa = float(std::sin(angle_rad));
  const float inv = 1.0f / float(length);
  std::fill(dst, dst + size_t(w) * h * c, 0.f);
  for (int k = 0; k < length; ++k) {
    const float t = float(k) - 0.5f * float(length - 1);
    const float dx = t * ca, dy = t * sa;
    // Same fractional offset for every pixel: the four bilinear weights are per sample.
    const float fx = dx - std::floor(dx), fy = dy - std::floor(dy);
    const int ox = int(std::floor(dx)), oy = int(std::floor(dy));
    const float w00 = (1 - fx) * (1 - fy) * inv, w10 = fx * (1 - fy) * inv;
    const float w01 = (1 - fx) * fy * inv, w11 = fx * fy * inv;
    // Interior columns (both x + ox and x + ox + 1 inside the row) need no clamping: one
    // contiguous loop over their interleaved samples, which vectorises.
    const int xa = std::clamp(-ox, 0, w), xb = std::clamp(w - 1 - ox, xa, w);
    for (int y = 0; y < h; ++y) {
      const int y0 = std::clamp(y + oy, 0, h - 1), y1 = std::clamp(y + oy + 1, 0, h - 1);
      const float* r0 = src + size_t(y0) * w * c;
      const float* r1 = src + size_t(y1) * w * c;
      float* d = dst + size_t(y) * w * c;
      auto edge = [&](int x) {
        const int x0 = std::clamp(x + ox, 0, w - 1) * c, x1 = std::clamp(x + ox + 1, 0, w - 1) * c;
        for (int ch = 0; ch < c; ++ch)
          d[x * c + ch] += w00 * r0[x0 + ch] + w10 * r0[x1 + ch] + w01 * r1[x0 + ch] + w11 * r1[x1 + ch];
      };
      for (int x = 0; x < xa; ++x) edge(x);
      const int off = ox * c;
      for (int i = xa * c; i < xb * c; ++i)
        d[i] += w00 * r0[i + off] + w10 * r0[i + off + c] + w01 * r1[i + off] + w11 * r1[i + off + c];
      for (int x = xb; x < w; ++x) edge(x);
    }
  }
}

}  // namespace kd::data
