#pragma once
// One representation for every 1-D linear filter the degradations use (Gaussian blur with
// reflect padding, bicubic and nearest resampling): output i = sum_k w[i][k] * in[idx[i][k]].
// Border rules live in how idx/w are built, so the two apply loops stay branch-free.
#include <vector>

namespace kd::data {

struct Taps {
  int in = 0, out = 0, width = 0;  // source length, destination length, taps per output
  std::vector<int> idx;            // (out, width) source indices, all in [0, in)
  std::vector<float> w;            // (out, width) weights; unused taps have weight 0
};

// Filters rows: src (h, in) -> dst (h, out). Row stride = row length.
void apply_taps_h(const float* src, int h, const Taps& t, float* dst);
// Filters columns: src (in, w) -> dst (out, w).
void apply_taps_v(const float* src, int w, const Taps& t, float* dst);

// The single filter equal to applying `first` and then `second` (second.in == first.out):
// a blur followed by a resize becomes one pass over the source. Weights below 1e-7
// (under 3e-5 of a grey level at 255) are dropped, so A-SKD's sigma = 0.1 axis becomes a
// single tap.
Taps compose_taps(const Taps& second, const Taps& first);

// Interleaved pixels: src (rows, cols, c) -> dst (cols, rows, c).
void transpose_pixels(const float* src, int rows, int cols, int c, float* dst);

// Separable 2-D filter of an interleaved image: src (ty.in, tx.in, c) -> dst (ty.out,
// tx.out, c). Both passes run as column passes (the second on the transpose): contiguous
// multiply-adds over whole rows instead of per-tap gathers. tmp1 and tmp2 hold
// max(ty.out * tx.in, tx.out * ty.out) * c floats each.
void apply_taps_2d(const float* src, int c, const Taps& tx, const Taps& ty, float* tmp1, float* tmp2, float* dst);

}  // namespace kd::data
