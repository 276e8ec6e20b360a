// conv2d on the CPU: im2col + one GEMM per group (1x1 stride-1 convs use the input as the
// column matrix directly), col2im for the input gradient, and a direct loop kernel for
// depthwise convs where a one-row GEMM would waste the im2col copy.
//
// Threading (measured on 2 cores shared with other work): threads take whole images from a
// counter and run our blocked GEMM single-threaded on per-image panels that stay in cache —
// one parallel region per pass, per-thread weight-gradient partials summed at the end. The
// alternative, serial over images with threads inside im2col and a threaded GEMM, is kept for
// batches smaller than the thread count: with OpenBLAS it was 3-10x slower at batch 32 (the
// OpenBLAS and OpenMP thread pools take turns spinning), and OpenBLAS may not be called from
// inside our parallel regions at all.
#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/parallel.h"
#include "kernels/conv2d/conv2d_cpu.h"
#include "kernels/conv2d/conv2d_grouped_cpu.h"
#include "kernels/matmul/dynamic_for.h"
#include "kernels/matmul/gemm.h"
#include "kernels/matmul/scratch.h"

namespace kd {
namespace {

bool is_pointwise(const Conv2dDims& d) { return d.kh == 1 && d.kw == 1 && d.stride == 1 && d.pad == 0; }

// Output columns ow whose input column ow * s - p + j lies inside [0, W): [lo, hi).
void valid_cols(const Conv2dDims& d, int64_t j, int64_t& lo, int64_t& hi) {
  int64_t a = d.pad - j;                  // ow * s >= a
  int64_t b = d.W - 1 + d.pad - j;        // ow * s <= b
  lo = a <= 0 ? 0 : std::min(d.Wo, (a + d.stride - 1) / d.stride);  // a side smaller than the padding
  hi = b < 0 ? 0 : std::min(d.Wo, b / d.stride + 1);
  hi = std::max(hi, lo);
}

// Row kernels with restrict pointers so the compiler vectorises them without alias checks.
template <class T>
inline void axpy_strided(T* __restrict y, const T* __restrict x, int64_t n, int64_t stride, T a) {  // y[i] += a x[i s]
  if (stride == 1)
    for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
  else
    for (int64_t i = 0; i < n; ++i) y[i] += a * x[i * stride];
}
template <class T>
inline void scatter_add(T* __restrict y, const T* __restrict x, int64_t n, int64_t stride, T a) {  // y[i s] += a x[i]
  if (stride == 1)
    for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
  else
    for (int64_t i = 0; i < n; ++i) y[i * stride] += a * x[i];
}
template <class T>
inline T dot_strided(const T* __restrict g, const T* __restrict x, int64_t n, int64_t stride) {  // sum g[i] x[i s]
  T s = 0;
  if (stride == 1)
    for (int64_t i = 0; i < n; ++i) s += g[i] * x[i];
  else
    for (int64_t i = 0; i < n; ++i) s += g[i] * x[i * stride];
  return s;
}

// One input channel (H, W) into its kh * kw rows of the column matrix, row stride ld:
// col[(i * kw + j) * ld + oh * Wo + ow] = x[oh * s - p + i, ow * s - p + j], 0 outside.
template <class T>
void im2col_channel(const Conv2dDims& d, const T* xc, T* col, int64_t ld) {
  for (int64_t i = 0; i < d.kh; ++i)
    for (int64_t j = 0; j < d.kw; ++j) {
      T* row = col + (i * d.kw + j) * ld;
      int64_t lo, hi;
      valid_cols(d, j, lo, hi);
      for (int64_t oh = 0; oh < d.Ho; ++oh) {
        T* r = row + oh * d.Wo;
        int64_t ih = oh * d.stride - d.pad + i;
        if (ih < 0 || ih >= d.H) {
          std::fill(r, r + d.Wo, T(0));
          continue;
        }
        const T* xr = xc + ih * d.W;
        std::fill(r, r + lo, T(0));
        int64_t off = j - d.pad;
        if (d.stride == 1)
          std::memcpy(r + lo, xr + lo + off, size_t(hi - lo) * sizeof(T));
        else
          for (int64_t ow = lo; ow < hi; ++ow) r[ow] = xr[ow * d.stride + off];
        std::fill(r + hi, r + d.Wo, T(0));
      }
    }
}

// Adjoint of im2col_channel: dxc (H, W) = sum of the kh * kw rows scattered back (dxc overwritten).
template <class T>
void col2im_channel(const Conv2dDims& d, const T* col, int64_t ld, T* dxc) {
  std::fill(dxc, dxc + d.H * d.W, T(0));
  for (int64_t i = 0; i < d.kh; ++i)
    for (int64_t j = 0; j < d.kw; ++j) {
      const T* row = col + (i * d.kw + j) * ld;
      int64_t lo, hi;
      valid_cols(d, j, lo, hi);
      int64_t off = j - d.pad;
      for (int64_t oh = 0; oh < d.Ho; ++oh) {
        int64_t ih = oh * d.stride - d.pad + i;
        if (ih < 0 || ih >= d.H) continue;
        if (hi > lo) scatter_add(dxc + ih * d.W + lo * d.stride + off, row + oh * d.Wo + lo, hi - lo, d.stride, T(1));
      }
    }
}

Conv2dSplit g_split = Conv2dSplit::Auto;

bool split_batch(const Conv2dDims& d) {
  if (g_split != Conv2dSplit::Auto) return g_split == Conv2dSplit::Batch;
  return d.N >= num_threads();
}

// Images per chunk for the inner split: enough columns for a wide GEMM, scratch bounded
// to about 4 MB of float columns.
int64_t chunk_images(const Conv2dDims& d) {
  constexpr int64_t kColBudget = int64_t(1) << 20;
  return std::max<int64_t>(1, std::min(d.N, kColBudget / std::max<int64_t>(1, d.Kc() * d.P())));
}

// bias may be null (then only the ReLU epilogue runs).
template <class T>
void add_bias(const Conv2dDims& d, const T* bias, T* y) {
  parallel_for(
      d.N * d.O,
      [&](int64_t q) {
        T b = bias ? bias[q % d.O] : T(0);
        T* r = y + q * d.P();
        if (d.relu)
          for (int64_t p = 0; p < d.P(); ++p) r[p] = std::max(r[p] + b, T(0));
        else
          for (int64_t p = 0; p < d.P(); ++p) r[p] += b;
      },
      d.P());
}

// ---- depthwise (one input channel per group): direct loops, vectorised along output rows ----

template <class T>
void depthwise_forward(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y) {
  int64_t Og = d.Og(), P = d.P(), kk = d.kh * d.kw;
  dynamic_for(d.N * d.C, [&](int64_t, int64_t q) {  // one (image, input channel) plane per item
    int64_t n = q / d.C, c = q % d.C;
    const T* xc = x + q * d.H * d.W;
    for (int64_t m = 0; m < Og; ++m) {
      int64_t o = c * Og + m;
      T* yo = y + (n * d.O + o) * P;
      const T* wo = w + o * kk;
      std::fill(yo, yo + P, bias ? bias[o] : T(0));
      for (int64_t oh = 0; oh < d.Ho; ++oh)
        for (int64_t i = 0; i < d.kh; ++i) {
          int64_t ih = oh * d.stride - d.pad + i;
          if (ih < 0 || ih >= d.H) continue;
          for (int64_t j = 0; j < d.kw; ++j) {
            int64_t lo, hi, off = j - d.pad;
            valid_cols(d, j, lo, hi);
            if (hi > lo)
              axpy_strided(yo + oh * d.Wo + lo, xc + ih * d.W + lo * d.stride + off, hi - lo, d.stride,
                           wo[i * d.kw + j]);
          }
        }
    }
  });
}

template <class T>
void depthwise_backward(const Conv2dDims& d, const T* x, const T* w, const T* gy, T* dx, T* dw) {
  int64_t Og = d.Og(), P = d.P(), kk = d.kh * d.kw;
  if (dx)
    dynamic_for(d.N * d.C, [&](int64_t, int64_t q) {
      int64_t n = q / d.C, c = q % d.C;
      T* dxc = dx + q * d.H * d.W;
      std::fill(dxc, dxc + d.H * d.W, T(0));
      for (int64_t m = 0; m < Og; ++m) {
        int64_t o = c * Og + m;
        const T* go = gy + (n * d.O + o) * P;
        const T* wo = w + o * kk;
        for (int64_t oh = 0; oh < d.Ho; ++oh)
          for (int64_t i = 0; i < d.kh; ++i) {
            int64_t ih = oh * d.stride - d.pad + i;
            if (ih < 0 || ih >= d.H) continue;
            for (int64_t j = 0; j < d.kw; ++j) {
              int64_t lo, hi, off = j - d.pad;
              valid_cols(d, j, lo, hi);
              if (hi > lo)
                scatter_add(dxc + ih * d.W + lo * d.stride + off, go + oh * d.Wo + lo, hi - lo, d.stride,
                            wo[i * d.kw + j]);
            }
          }
      }
    });
  if (dw)
    dynamic_for(d.O, [&](int64_t, int64_t o) {  // one output channel per item, over the whole batch
      int64_t c = o / Og;
      std::vector<T> acc(size_t(kk), T(0));
      for (int64_t n = 0; n < d.N; ++n) {
        const T* xc = x + (n * d.C + c) * d.H * d.W;
        const T* go = gy + (n * d.O + o) * P;
        for (int64_t oh = 0; oh < d.Ho; ++oh)
          for (int64_t i = 0; i < d.kh; ++i) {
            int64_t ih = oh * d.stride - d.pad + i;
            if (ih < 0 || ih >= d.H) continue;
            for (int64_t j = 0; j < d.kw; ++j) {
              int64_t lo, hi, off = j - d.pad;
              valid_cols(d, j, lo, hi);
              if (hi > lo)
                acc[size_t(i * d.kw + j)] +=
                    dot_strided(go + oh * d.Wo + lo, xc + ih * d.W + lo * d.stride + off, hi - lo, d.stride);
            }
          }
      }
      std::copy(acc.begin(), acc.end(), dw + o * kk);
    });
}

// ---- batch split: threads over images, single-threaded GEMM per (image, group) ----

// Images per task of the batch split. A small feature map (P of 1 to 64 at the late stages of
// a 32x32 input) makes a GEMM with a handful of columns, which fills a fraction of each vector
// and repacks the weights for every image: r18x at 32x32 batch 256 ran its GEMMs at a third of
// the cores' peak. Images side by side give the GEMM at least kMinCols columns, while keeping
// two tasks per thread for the dynamic split and the column scratch near 4 MB.
int64_t batch_chunk(const Conv2dDims& d) {
  constexpr int64_t kMinCols = 256, kColBudget = int64_t(1) << 20;
  int64_t P = d.P(), want = (kMinCols + P - 1) / P;
  int64_t by_tasks = std::max<int64_t>(1, d.N / (2 * int64_t(num_threads())));
  int64_t by_scratch = std::max<int64_t>(1, kColBudget / std::max<int64_t>(1, std::max(d.Kc(), d.Og()) * P));
  return std::max<int64_t>(1, std::min({want, by_tasks, by_scratch}));
}

// y rows of one (image, group) get the bias and ReLU while they are still in cache.
template <class T>
void bias_relu_rows(const Conv2dDims& d, const T* bias, int64_t g, T* yg) {
  if (!bias && !d.relu) return;
  int64_t Og = d.Og(), P = d.P();
  for (int64_t o = 0; o < Og; ++o) {
    T b = bias ? bias[g * Og + o] : T(0), *r = yg + o * P;
    if (d.relu)
      for (int64_t p = 0; p < P; ++p) r[p] = std::max(r[p] + b, T(0));
    else
      for (int64_t p = 0; p < P; ++p) r[p] += b;
  }
}

// bias may be null; it is added to each image's output rows while they are still in cache.
template <class T>
void forward_split_batch(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y) {
  int64_t G = d.groups, Cg = d.Cg(), Og = d.Og(), Kc = d.Kc(), P = d.P(), HW = d.H * d.W;
  bool pw = is_pointwise(d);
  int64_t nb = batch_chunk(d), chunks = (d.N + nb - 1) / nb;
  dynamic_for(chunks, [&](int64_t, int64_t ci) {
    int64_t n0 = ci * nb, m = std::min(nb, d.N - n0), ld = m * P;
    if (m == 1) {  // one image: the GEMM reads x and writes y in place
      T* col = pw ? nullptr : thread_scratch<T>(0, size_t(Kc * P));
      for (int64_t g = 0; g < G; ++g) {
        const T* xg = x + (n0 * d.C + g * Cg) * HW;
        if (!pw)
          for (int64_t c = 0; c < Cg; ++c) im2col_channel(d, xg + c * HW, col + c * d.kh * d.kw * P, P);
        T* yg = y + (n0 * d.O + g * Og) * P;
        gemm_blocked<T>(false, false, Og, P, Kc, T(1), w + g * Og * Kc, Kc, pw ? xg : col, P, T(0), yg, P);
        bias_relu_rows(d, bias, g, yg);
      }
      return;
    }
    T* col = thread_scratch<T>(0, size_t(Kc * ld));
    T* tmp = thread_scratch<T>(1, size_t(Og * ld));
    for (int64_t g = 0; g < G; ++g) {
      for (int64_t b = 0; b < m; ++b) {
        const T* xg = x + ((n0 + b) * d.C + g * Cg) * HW;
        for (int64_t c = 0; c < Cg; ++c) {
          if (pw)
            std::memcpy(col + c * ld + b * P, xg + c * HW, size_t(P) * sizeof(T));
          else
            im2col_channel(d, xg + c * HW, col + c * d.kh * d.kw * ld + b * P, ld);
        }
      }
      gemm_blocked<T>(false, false, Og, ld, Kc, T(1), w + g * Og * Kc, Kc, col, ld, T(0), tmp, ld);
      for (int64_t b = 0; b < m; ++b) {
        T* yg = y + ((n0 + b) * d.O + g * Og) * P;
        for (int64_t o = 0; o < Og; ++o) std::memcpy(yg + o * P, tmp + o * ld + b * P, size_t(P) * sizeof(T));
        bias_relu_rows(d, bias, g, yg);
      }
    }
  });
}

template <class T>
void backward_split_batch(const Conv2dDims& d, const T* x, const T* w, const T* gy, T* dx, T* dw) {
  int64_t G = d.groups, Cg = d.Cg(), Og = d.Og(), Kc = d.Kc(), P = d.P(), HW = d.H * d.W;
  bool pw = is_pointwise(d);
  // The batch is cut into `slots` fixed runs of consecutive images; run t accumulates its
  // weight gradient in its own buffer (run 0 in dw) in image order, and the buffers are summed
  // in run order. Which thread takes which run does not matter, so the result is bit-identical
  // from run to run (a resumed training run depends on it).
  int64_t slots = dynamic_slots(d.N);
  std::vector<T> extra(dw ? size_t((slots - 1) * d.O * Kc) : 0);
  std::vector<char> started(size_t(slots), 0);
  dynamic_for(slots, [&](int64_t, int64_t t) {
    for (int64_t n = d.N * t / slots; n < d.N * (t + 1) / slots; ++n) {
      T* dwt = !dw ? nullptr : t == 0 ? dw : extra.data() + (t - 1) * d.O * Kc;
      T beta = started[size_t(t)] ? T(1) : T(0);
      started[size_t(t)] = 1;
      T* col = pw ? nullptr : thread_scratch<T>(0, size_t(Kc * P));
      for (int64_t g = 0; g < G; ++g) {
        const T* xg = x + (n * d.C + g * Cg) * HW;
        const T* gyg = gy + (n * d.O + g * Og) * P;  // (Og, P)
        const T* wg = w + g * Og * Kc;               // (Og, Kc)
        T* dxg = dx ? dx + (n * d.C + g * Cg) * HW : nullptr;
        if (dwt) {  // dW_g += gy_g (Og, P) * col^T (P, Kc)
          if (!pw)
            for (int64_t c = 0; c < Cg; ++c) im2col_channel(d, xg + c * HW, col + c * d.kh * d.kw * P, P);
          gemm_blocked<T>(false, true, Og, Kc, P, T(1), gyg, P, pw ? xg : col, P, beta, dwt + g * Og * Kc, Kc);
        }
        if (dxg) {  // dcol (Kc, P) = W_g^T * gy_g, then col2im (pointwise: dcol is dx)
          gemm_blocked<T>(true, false, Kc, P, Og, T(1), wg, Kc, gyg, P, T(0), pw ? dxg : col, P);
          if (!pw)
            for (int64_t c = 0; c < Cg; ++c) col2im_channel(d, col + c * d.kh * d.kw * P, P, dxg + c * HW);
        }
      }
    }
  });
  if (!dw) return;
  if (!started[0]) std::fill(dw, dw + d.O * Kc, T(0));
  for (int64_t t = 1; t < slots; ++t) {
    if (!started[size_t(t)]) continue;
    const T* src = extra.data() + (t - 1) * d.O * Kc;
    for (int64_t i = 0; i < d.O * Kc; ++i) dw[i] += src[i];
  }
}

// ---- inner split: serial over chunks of images, threads inside im2col/col2im and the GEMM ----

// Columns of images [n0, n0 + nb) of group g side by side: col (Kc, nb * P).
template <class T>
void im2col_chunk(const Conv2dDims& d, const T* x, int64_t n0, int64_t nb, int64_t g, T* col) {
  int64_t Cg = d.Cg(), P = d.P(), HW = d.H * d.W, ld = nb * P;
  parallel_for(
      nb * Cg,
      [&](int64_t q) {
        int64_t b = q / Cg, c = q % Cg;
        im2col_channel(d, x + ((n0 + b) * d.C + g * Cg + c) * HW, col + c * d.kh * d.kw * ld + b * P, ld);
      },
      d.kh * d.kw * P);
}

// One image on a small map (batch 1 at the late stages): a GEMM of a few columns against the
// whole weight matrix costs what reading the weights costs, and a packing GEMM copies them on
// every call (OpenBLAS's copy was 18 % of r18x's forward at 32x32 batch 1). Here the columns
// are laid out transposed (P x Kc) and each output is the dot product of a weight row, read in
// place, with a column row (gemm_nt_rows).
bool streams_weights(const Conv2dDims& d) { return d.N == 1 && d.P() <= 64 && d.Kc() >= 16; }

template <class T>
void forward_weight_streaming(const Conv2dDims& d, const T* x, const T* w, T* y) {
  int64_t G = d.groups, Cg = d.Cg(), Og = d.Og(), Kc = d.Kc(), P = d.P(), HW = d.H * d.W, kk = d.kh * d.kw;
  bool pw = is_pointwise(d);
  T* col = pw ? nullptr : thread_scratch<T>(0, size_t(Kc * P));
  T* colT = thread_scratch<T>(1, size_t(P * Kc));
  for (int64_t g = 0; g < G; ++g) {
    const T* src = x + g * Cg * HW;  // pointwise: the input itself is the (Cg, P) column matrix
    if (!pw) {
      for (int64_t c = 0; c < Cg; ++c) im2col_channel(d, src + c * HW, col + c * kk * P, P);
      src = col;
    }
    for (int64_t k = 0; k < Kc; ++k)
      for (int64_t p = 0; p < P; ++p) colT[p * Kc + k] = src[k * P + p];
    gemm_nt_rows<T>(Og, P, Kc, w + g * Og * Kc, Kc, colT, Kc, y + g * Og * P, P);
  }
}

template <class T>
void forward_split_inner(const Conv2dDims& d, const T* x, const T* w, T* y) {
  int64_t G = d.groups, Cg = d.Cg(), Og = d.Og(), Kc = d.Kc(), P = d.P(), HW = d.H * d.W;
  if (streams_weights(d)) return forward_weight_streaming(d, x, w, y);
  if (is_pointwise(d)) {
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t g = 0; g < G; ++g)
        gemm<T>(false, false, Og, P, Cg, T(1), w + g * Og * Kc, Kc, x + (n * d.C + g * Cg) * HW, P, T(0),
                y + (n * d.O + g * Og) * P, P);
    return;
  }
  int64_t nbmax = chunk_images(d);
  T* col = thread_scratch<T>(0, size_t(Kc * nbmax * P));
  T* tmp = nbmax > 1 ? thread_scratch<T>(1, size_t(Og * nbmax * P)) : nullptr;
  for (int64_t n0 = 0; n0 < d.N; n0 += nbmax) {
    int64_t nb = std::min(nbmax, d.N - n0), ld = nb * P;
    for (int64_t g = 0; g < G; ++g) {
      im2col_chunk(d, x, n0, nb, g, col);
      T* yg = y + (n0 * d.O + g * Og) * P;
      if (nb == 1) {
        gemm<T>(false, false, Og, P, Kc, T(1), w + g * Og * Kc, Kc, col, P, T(0), yg, P);
        continue;
      }
      gemm<T>(false, false, Og, ld, Kc, T(1), w + g * Og * Kc, Kc, col, ld, T(0), tmp, ld);
      parallel_for(
          nb * Og,
          [&](int64_t q) {
            int64_t b = q / Og, o = q % Og;
            std::memcpy(yg + (b * d.O + o) * P, tmp + o * ld + b * P, size_t(P) * sizeof(T));
          },
          P);
    }
  }
}

template <class T>
void backward_split_inner(const Conv2dDims& d, const T* x, const T* w, const T* gy, T* dx, T* dw) {
  int64_t G = d.groups, Cg = d.Cg(), Og = d.Og(), Kc = d.Kc(), P = d.P(), HW = d.H * d.W;
  if (is_pointwise(d)) {
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t g = 0; g < G; ++g) {
        const T* xg = x + (n * d.C + g * Cg) * HW;
        const T* gyg = gy + (n * d.O + g * Og) * P;
        const T* wg = w + g * Og * Kc;
        if (dw) gemm<T>(false, true, Og, Cg, P, T(1), gyg, P, xg, P, n == 0 ? T(0) : T(1), dw + g * Og * Kc, Kc);
        if (dx) gemm<T>(true, false, Cg, P, Og, T(1), wg, Kc, gyg, P, T(0), dx + (n * d.C + g * Cg) * HW, P);
      }
    return;
  }
  int64_t nbmax = chunk_images(d);
  T* col = thread_scratch<T>(0, size_t(Kc * nbmax * P));
  T* gyt = nbmax > 1 ? thread_scratch<T>(1, size_t(Og * nbmax * P)) : nullptr;
  for (int64_t n0 = 0; n0 < d.N; n0 += nbmax) {
    int64_t nb = std::min(nbmax, d.N - n0), ld = nb * P;
    for (int64_t g = 0; g < G; ++g) {
      const T* wg = w + g * Og * Kc;
      const T* gyg = gy + (n0 * d.O + g * Og) * P;  // (Og, P) when nb == 1
      if (nb > 1) {  // gather gy of the chunk's images as (Og, nb * P)
        parallel_for(
            nb * Og,
            [&](int64_t q) {
              int64_t b = q / Og, o = q % Og;
              std::memcpy(gyt + o * ld + b * P, gyg + (b * d.O + o) * P, size_t(P) * sizeof(T));
            },
            P);
        gyg = gyt;
      }
      if (dw) {
        im2col_chunk(d, x, n0, nb, g, col);
        gemm<T>(false, true, Og, Kc, ld, T(1), gyg, ld, col, ld, n0 == 0 ? T(0) : T(1), dw + g * Og * Kc, Kc);
      }
      if (dx) {
        gemm<T>(true, false, Kc, ld, Og, T(1), wg, Kc, gyg, ld, T(0), col, ld);
        parallel_for(
            nb * Cg,
            [&](int64_t q) {
              int64_t b = q / Cg, c = q % Cg;
              col2im_channel(d, col + c * d.kh * d.kw * ld + b * P, ld, dx + ((n0 + b) * d.C + g * Cg + c) * HW);
            },
            d.kh * d.kw * P);
      }
    }
  }
}

}  // namespace

void set_conv2d_split(Conv2dSplit s) { g_split = s; }

template <class T>
void conv2d_forward_cpu(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y) {
  if (d.N == 0 || d.O == 0) return;
  if (d.Cg() == 1 && d.groups > 1) {
    depthwise_forward(d, x, w, bias, y);
    if (d.relu) add_bias<T>(d, nullptr, y);  // the clamp alone
    return;
  }
  // grouped 3x3 with 2..16 channels per group: direct kernel (conv2d_grouped_cpu.cpp), 2-3x faster
  if (grouped_direct_preferred(d)) return grouped_direct_forward_cpu(d, x, w, bias, y);
  if (split_batch(d))
    return forward_split_batch(d, x, w, bias, y);
  forward_split_inner(d, x, w, y);
  if (bias || d.relu) add_bias(d, bias, y);
}

template <class T>
void conv2d_backward_cpu(const Conv2dDims& d, const T* x, const T* w, const T* gy, T* dx, T* dw, T* dbias) {
  int64_t P = d.P();
  if (dbias)
    parallel_for(
        d.O,
        [&](int64_t o) {
          T s = 0;
          for (int64_t n = 0; n < d.N; ++n) {
            const T* r = gy + (n * d.O + o) * P;
            for (int64_t p = 0; p < P; ++p) s += r[p];
          }
          dbias[o] = s;
        },
        d.N * P);
  if (d.N == 0) {  // no images: zero weight gradient, dx is empty
    if (dw) std::fill(dw, dw + d.O * d.Kc(), T(0));
    return;
  }
  if (!dx && !dw) return;
  if (d.Cg() == 1 && d.groups > 1) return depthwise_backward(d, x, w, gy, dx, dw);
  if (split_batch(d))
    backward_split_batch(d, x, w, gy, dx, dw);
  else
    backward_split_inner(d, x, w, gy, dx, dw);
}

template void conv2d_forward_cpu<float>(const Conv2dDims&, const float*, const float*, const float*, float*);
template void conv2d_forward_cpu<double>(const Conv2dDims&, const double*, const double*, const double*, double*);
template void conv2d_backward_cpu<float>(const Conv2dDims&, const float*, const float*, const float*, float*, float*,
                                         float*);
template void conv2d_backward_cpu<double>(const Conv2dDims&, const double*, const double*, const double*, double*,
                                          double*, double*);

}  // namespace kd
