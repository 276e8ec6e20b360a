#include "data/taps.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "engine/check.h"

namespace kd::data {

void apply_taps_h(const float* src, int h, const Taps& t, float* dst) {
  for (int y = 0; y < h; ++y) {
    const float* s = src + size_t(y) * t.in;  // (in,)
    float* d = dst + size_t(y) * t.out;       // (out,)
    for (int i = 0; i < t.out; ++i) {
      const int* ix = t.idx.data() + size_t(i) * t.width;
      const float* wt = t.w.data() + size_t(i) * t.width;
      float acc = 0.f;
      for (int k = 0; k < t.width; ++k) acc += wt[k] * s[ix[k]];
      d[i] = acc;
    }
  }
}

void apply_taps_v(const float* src, int w, const Taps& t, float* dst) {
  // Whole-row multiply-adds: the inner loop is contiguous and vectorises.
  for (int i = 0; i < t.out; ++i) {
    float* d = dst + size_t(i) * w;  // (w,)
    for (int x = 0; x < w; ++x) d[x] = 0.f;
    for (int k = 0; k < t.width; ++k) {
      const float wt = t.w[size_t(i) * t.width + k];
      if (wt == 0.f) continue;
      const float* s = src + size_t(t.idx[size_t(i) * t.width + k]) * w;
      for (int x = 0; x < w; ++x) d[x] += wt * s[x];
    }
  }
}

Taps compose_taps(const Taps& second, const Taps& first) {
  KD_CHECK(second.in == first.out, "compose_taps: second filter reads ", second.in, " samples but the first writes ",
           first.out);
  Taps t;
  t.in = first.in;
  t.out = second.out;
  std::vector<std::vector<float>> dense(t.out, std::vector<float>(t.in, 0.f));  // (out, in)
  int width = 1;
  std::vector<int> lo(t.out), hi(t.out);
  for (int i = 0; i < t.out; ++i) {
    std::vector<double> row(t.in, 0.0);
    for (int k = 0; k < second.width; ++k) {
      const double w2 = second.w[size_t(i) * second.width + k];
      const int j = second.idx[size_t(i) * second.width + k];
      for (int m = 0; m < first.width; ++m)
        row[first.idx[size_t(j) * first.width + m]] += w2 * first.w[size_t(j) * first.width + m];
    }
    lo[i] = t.in;
    hi[i] = -1;
    for (int j = 0; j < t.in; ++j) {
      if (std::fabs(row[j]) < 1e-7) continue;
      dense[i][j] = float(row[j]);
      lo[i] = std::min(lo[i], j);
      hi[i] = std::max(hi[i], j);
    }
    KD_CHECK(hi[i] >= 0, "compose_taps: output ", i, " has no weight");
    width = std::max(width, hi[i] - lo[i] + 1);
  }
  t.width = width;
  t.idx.assign(size_t(t.out) * width, 0);
  t.w.assign(size_t(t.out) * width, 0.f);
  for (int i = 0; i < t.out; ++i)
    for (int k = 0; k < width; ++k) {
      const int j = lo[i] + k;
      t.idx[size_t(i) * width + k] = j <= hi[i] ? j : lo[i];  // padding taps: valid index, weight 0
      t.w[size_t(i) * width + k] = j <= hi[i] ? dense[i][j] : 0.f;
    }
  return t;
}

namespace {
template <int C>
void transpose_fixed(const float* src, int rows, int cols, float* dst) {
  constexpr int B = 16;  // cache blocks
  for (int r0 = 0; r0 < rows; r0 += B)
    for (int c0 = 0; c0 < cols; c0 += B) {
      const int r1 = std::min(r0 + B, rows), c1 = std::min(c0 + B, cols);
      for (int r = r0; r < r1; ++r)
        for (int q = c0; q < c1; ++q)
          for (int ch = 0; ch < C; ++ch) dst[(size_t(q) * rows + r) * C + ch] = src[(size_t(r) * cols + q) * C + ch];
    }
}
}  // namespace

void transpose_pixels(const float* src, int rows, int cols, int c, float* dst) {
  switch (c) {
    case 1: return transpose_fixed<1>(src, rows, cols, dst);
    case 3: return transpose_fixed<3>(src, rows, cols, dst);
    case 4: return transpose_fixed<4>(src, rows, cols, dst);
    default: KD_FAIL("transpose_pixels: channels must be 1, 3 or 4, got ", c);
  }
}

void apply_taps_2d(const float* src, int c, const Taps& tx, const Taps& ty, float* tmp1, float* tmp2, float* dst) {
  apply_taps_v(src, tx.in * c, ty, tmp1);              // (ty.out, tx.in, c)
  transpose_pixels(tmp1, ty.out, tx.in, c, tmp2);      // (tx.in, ty.out, c)
  apply_taps_v(tmp2, ty.out * c, tx, tmp1);            // (tx.out, ty.out, c)
  transpose_pixels(tmp1, tx.out, ty.out, c, dst);      // (ty.out, tx.out, c)
}

}  // namespace kd::data
