#include "data/resample.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"

namespace kd::data {

double keys_cubic(double x, double a) {
  x = std::fabs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

Taps bicubic_taps(int in, int out, double a) {
  KD_CHECK(in > 0 && out > 0, "bicubic_taps: sizes must be > 0, got in=", in, " out=", out);
  const double scale = double(in) / out;
  const double filterscale = std::max(scale, 1.0);
  const double support = 2.0 * filterscale;  // Keys' kernel is zero beyond |x| = 2
  Taps t;
  t.in = in;
  t.out = out;
  t.width = int(std::ceil(support)) * 2 + 1;
  t.idx.assign(size_t(out) * t.width, 0);
  t.w.assign(size_t(out) * t.width, 0.f);
  std::vector<double> wk(t.width);
  for (int i = 0; i < out; ++i) {
    const double center = (i + 0.5) * scale;
    const int lo = std::max(int(std::floor(center - support + 0.5)), 0);
    const int hi = std::min(int(std::floor(center + support + 0.5)), in);
    double sum = 0;
    const int n = std::min(hi - lo, t.width);
    for (int k = 0; k < n; ++k) sum += wk[k] = keys_cubic((lo + k - center + 0.5) / filterscale, a);
    KD_CHECK(sum != 0, "bicubic_taps: zero weight sum at output ", i, " (in=", in, " out=", out, ")");
    for (int k = 0; k < t.width; ++k) {
      // Unused taps point at a valid pixel with weight 0 so the apply loops need no bounds.
      t.idx[size_t(i) * t.width + k] = k < n ? lo + k : lo;
      t.w[size_t(i) * t.width + k] = k < n ? float(wk[k] / sum) : 0.f;
    }
  }
  return t;
}

Taps nearest_taps(int in, int out) {
  KD_CHECK(in > 0 && out > 0, "nearest_taps: sizes must be > 0, got in=", in, " out=", out);
  Taps t;
  t.in = in;
  t.out = out;
  t.width = 1;
  t.idx.resize(out);
  t.w.assign(out, 1.f);
  // PyTorch computes the source index in float as floor(dst * (float)in / out).
  const float scale = float(in) / float(out);
  for (int i = 0; i < out; ++i) t.idx[i] = std::min(int(std::floor(float(i) * scale)), in - 1);
  return t;
}

}  // namespace kd::data
