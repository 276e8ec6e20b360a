// Direct forward for grouped 3x3 convs (stride 1 or 2, pad 1) with 2..16 channels per group.
//
// Per (image, group) item:
//  1. The group's Cg input planes are copied, zero-padded, into a scratch buffer that stays in
//     L1/L2. For stride 2 each padded plane is split into its 4 (row parity, column parity)
//     phase planes, so that every tap reads contiguous input at every stride.
//  2. Outputs are computed at "virtual" positions q = oh * Wq + ow over padded rows of width
//     Wq (Wq - Wo columns per row are junk and dropped): tap (i, j) of output q then reads
//     element q + toff[i][j] of its (phase) plane, so a whole plane is one flat vector loop —
//     no row edges inside the kernel, and small planes (7x7) still fill the vectors.
//     A register tile of OT output channels x NV vectors accumulates the 9 * Cg taps
//     (AVX-512 FMAs with the weight broadcast), in a fixed order.
//  3. The valid columns are copied to y with the bias and the ReLU epilogue.
// The kernel is compiled for AVX-512 with a function target attribute (like gemm_cpu.cpp's
// kernels) and only taken when the CPU has it; everything else stays on im2col + GEMM.
#include "kernels/conv2d/conv2d_grouped_cpu.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/matmul/dynamic_for.h"
#include "kernels/matmul/scratch.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KD_GCONV_X86 1
#include <immintrin.h>
#endif

namespace kd {

namespace {
int g_mode = -1;
}

void set_grouped_direct_mode(int mode) { g_mode = mode; }
int grouped_direct_mode() { return g_mode; }

#ifdef KD_GCONV_X86

namespace {

#define KD_GCONV_TARGET __attribute__((target("avx512f,avx2,fma")))
#define KD_GCONV_INLINE __attribute__((target("avx512f,avx2,fma"), always_inline)) inline

bool cpu_has_avx512() {
  if (const char* e = std::getenv("KDFACE_GEMM_ISA"))  // the GEMM's switch to measure narrower code
    if (std::strcmp(e, "base") == 0 || std::strcmp(e, "sse2") == 0 || std::strcmp(e, "avx2") == 0) return false;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f");
}

template <class T>
struct Zmm;
template <>
struct Zmm<float> {
  typedef __m512 V;
  static constexpr int L = 16;
  static KD_GCONV_INLINE V zero() { return _mm512_setzero_ps(); }
  static KD_GCONV_INLINE V load(const float* p) { return _mm512_loadu_ps(p); }
  static KD_GCONV_INLINE V fma(V a, float b, V c) { return _mm512_fmadd_ps(a, _mm512_set1_ps(b), c); }
  static KD_GCONV_INLINE void store(float* p, V v) { _mm512_storeu_ps(p, v); }
};
template <>
struct Zmm<double> {
  typedef __m512d V;
  static constexpr int L = 8;
  static KD_GCONV_INLINE V zero() { return _mm512_setzero_pd(); }
  static KD_GCONV_INLINE V load(const double* p) { return _mm512_loadu_pd(p); }
  static KD_GCONV_INLINE V fma(V a, double b, V c) { return _mm512_fmadd_pd(a, _mm512_set1_pd(b), c); }
  static KD_GCONV_INLINE void store(double* p, V v) { _mm512_storeu_pd(p, v); }
};

// yt[o][q] (OT rows, ldy apart) for q in [0, Qp), Qp a multiple of NV * L:
// sum over c < Cg, t < 9 of wp[(c * 9 + t) * OT + o] * xb[c * CS + toff[t] + q].
template <class T, int OT, int NV>
KD_GCONV_TARGET void tile_kernel(const T* xb, int64_t CS, const int64_t* toff, int64_t Cg, const T* wp, T* yt,
                                 int64_t ldy, int64_t Qp) {
  typedef Zmm<T> Z;
  typedef typename Z::V V;
  constexpr int L = Z::L;
  int64_t t0 = toff[0], t1 = toff[1], t2 = toff[2], t3 = toff[3], t4 = toff[4], t5 = toff[5], t6 = toff[6],
          t7 = toff[7], t8 = toff[8];
  for (int64_t q = 0; q < Qp; q += NV * L) {
    V acc[OT][NV];
#pragma GCC unroll 16
    for (int o = 0; o < OT; ++o)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[o][v] = Z::zero();
    for (int64_t c = 0; c < Cg; ++c) {
      const T* xc = xb + c * CS + q;
      const T* wc = wp + c * 9 * OT;
      const int64_t offs[9] = {t0, t1, t2, t3, t4, t5, t6, t7, t8};
#pragma GCC unroll 9
      for (int t = 0; t < 9; ++t) {
        const T* xp = xc + offs[t];
        V xv[NV];
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) xv[v] = Z::load(xp + v * L);
#pragma GCC unroll 16
        for (int o = 0; o < OT; ++o) {
          T b = wc[t * OT + o];
#pragma GCC unroll 8
          for (int v = 0; v < NV; ++v) acc[o][v] = Z::fma(xv[v], b, acc[o][v]);
        }
      }
    }
#pragma GCC unroll 16
    for (int o = 0; o < OT; ++o)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) Z::store(yt + o * ldy + q + v * L, acc[o][v]);
  }
}

// Stride 1, pad 1: plane c[r][k] = x[c][r - 1][k - 1], 0 outside; (H + 2) x (W + 2).
template <class T>
void pad_planes_s1(const T* xg, int64_t Cg, int64_t H, int64_t W, int64_t HW, int64_t Hq, int64_t Wq, int64_t PS,
                   T* xb) {
  for (int64_t c = 0; c < Cg; ++c) {
    T* pl = xb + c * PS;
    std::fill(pl, pl + Wq, T(0));
    for (int64_t r = 1; r <= H; ++r) {
      T* row = pl + r * Wq;
      row[0] = T(0);
      std::memcpy(row + 1, xg + c * HW + (r - 1) * W, size_t(W) * sizeof(T));
      std::fill(row + W + 1, row + Wq, T(0));
    }
    for (int64_t r = H + 1; r < Hq; ++r) std::fill(pl + r * Wq, pl + (r + 1) * Wq, T(0));
  }
}

// Stride 2, pad 1: the padded plane xp[R][K] = x[R - 1][K - 1] split into 4 phase planes
// (a, b)[r][k] = xp[2r + a][2k + b], each Hq x Wq, at (a * 2 + b) * PS.
template <class T>
KD_GCONV_TARGET void pad_planes_s2(const T* xg, int64_t Cg, int64_t H, int64_t W, int64_t HW, int64_t Hq,
                                   int64_t Wq, int64_t PS, T* xb) {
  const int64_t half = W / 2, odd_n = (W + 1) / 2;  // x columns 2k + 1 (-> even plane k + 1), 2k (-> odd plane k)
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t R = 0; R < 2 * Hq; ++R) {
      int64_t a = R % 2, r = R / 2;
      T* ev = xb + (c * 4 + a * 2) * PS + r * Wq;
      T* od = ev + PS;
      int64_t ih = R - 1;
      if (ih < 0 || ih >= H) {
        std::fill(ev, ev + Wq, T(0));
        std::fill(od, od + Wq, T(0));
        continue;
      }
      const T* __restrict xr = xg + c * HW + ih * W;
      T* __restrict e1 = ev + 1;
      T* __restrict o0 = od;
      for (int64_t k = 0; k < half; ++k) {  // an interleaved pair: vectorised with permutes
        o0[k] = xr[2 * k];
        e1[k] = xr[2 * k + 1];
      }
      if (odd_n > half) od[half] = xr[W - 1];
      ev[0] = T(0);
      std::fill(ev + half + 1, ev + Wq, T(0));
      std::fill(od + odd_n, od + Wq, T(0));
    }
}

// Register tile: OT output channels x NV vectors (OT * NV accumulators + NV inputs <= 32 zmm).
// OT covers Og (padded with zero weights) up to 8; 16 channels take one 16 x 1 tile when the
// plane is small (one vector a step wastes least of it), else two 8 x NV passes. NV: the widest
// step whose rounding of the Q positions wastes at most 1/8, else the least rounding.
void pick_tile(int64_t Og, int64_t Q, int64_t L, int& OT, int& NV) {
  OT = Og <= 2 ? 2 : Og <= 4 ? 4 : 8;
  int maxnv = OT == 2 ? 6 : OT == 4 ? 4 : 3;
  if (Og > 8 && Q <= 4 * L) {
    OT = 16, NV = 1;
    return;
  }
  int best = 1;
  int64_t bestq = (Q + L - 1) / L * L;
  for (int nv = maxnv; nv >= 1; --nv) {
    int64_t qp = (Q + nv * L - 1) / (nv * L) * (nv * L);
    if (8 * (qp - Q) <= Q) {
      best = nv;
      break;
    }
    if (qp < bestq) best = nv, bestq = qp;
  }
  NV = best;
}

template <class T>
void run_tile(int OT, int NV, const T* xb, int64_t CS, const int64_t* toff, int64_t Cg, const T* wp, T* yt,
              int64_t ldy, int64_t Qp) {
#define KD_GCONV_CASE(ot, nv) \
  if (OT == ot && NV == nv) return tile_kernel<T, ot, nv>(xb, CS, toff, Cg, wp, yt, ldy, Qp);
  KD_GCONV_CASE(2, 6) KD_GCONV_CASE(2, 5) KD_GCONV_CASE(2, 4) KD_GCONV_CASE(2, 3) KD_GCONV_CASE(2, 2)
  KD_GCONV_CASE(2, 1) KD_GCONV_CASE(4, 4) KD_GCONV_CASE(4, 3) KD_GCONV_CASE(4, 2) KD_GCONV_CASE(4, 1)
  KD_GCONV_CASE(8, 3) KD_GCONV_CASE(8, 2) KD_GCONV_CASE(8, 1) KD_GCONV_CASE(16, 1)
#undef KD_GCONV_CASE
}

}  // namespace

bool grouped_direct_supported(const Conv2dDims& d) {
  static const bool avx512 = cpu_has_avx512();
  return avx512 && d.kh == 3 && d.kw == 3 && (d.stride == 1 || d.stride == 2) && d.pad == 1 && d.groups > 1 &&
         d.Cg() >= 2 && d.Cg() <= 16 && d.Og() >= 1 && d.Og() <= 16 && d.Ho > 0 && d.Wo > 0 && d.H > 0 && d.W > 0;
}

template <class T>
void grouped_direct_forward_cpu(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y) {
  if (d.N == 0 || d.O == 0) return;
  const int64_t G = d.groups, Cg = d.Cg(), Og = d.Og(), s = d.stride, HW = d.H * d.W, P = d.P();
  const int64_t Hq = d.Ho + 2 / s, Wq = d.Wo + 2 / s, PS = Hq * Wq, CS = s * s * PS, Q = d.Ho * Wq;
  const int64_t L = Zmm<T>::L;
  int OT, NV;
  pick_tile(Og, Q, L, OT, NV);
  const int64_t VB = NV * L, Qp = (Q + VB - 1) / VB * VB;
  const int64_t tiles = (Og + OT - 1) / OT, Opad = tiles * OT;
  const int64_t xbn = Cg * CS + VB + 8;  // slack: the last vectors read past the last plane
  int64_t toff[9];
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 3; ++j) toff[i * 3 + j] = ((i % s) * s + (j % s)) * PS + (i / s) * Wq + (j / s);

  // Weights of group g, tile k: wpk[((g * tiles + k) * Cg + c) * 9 + t][o], zero past Og.
  std::vector<T> wpk(size_t(G * tiles * Cg * 9 * OT), T(0));
  for (int64_t g = 0; g < G; ++g)
    for (int64_t o = 0; o < Og; ++o)
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t t = 0; t < 9; ++t) {
          int64_t k = o / OT, r = o % OT;
          wpk[size_t((((g * tiles + k) * Cg + c) * 9 + t) * OT + r)] = w[((g * Og + o) * Cg + c) * 9 + t];
        }

  dynamic_for(d.N * G, [&](int64_t, int64_t item) {
    int64_t n = item / G, g = item % G;
    T* xb = thread_scratch<T>(0, size_t(xbn));
    T* yt = thread_scratch<T>(1, size_t(Opad * Qp));
    const T* xg = x + (n * d.C + g * Cg) * HW;
    // 1. padded (phase) planes
    if (s == 1)
      pad_planes_s1(xg, Cg, d.H, d.W, HW, Hq, Wq, PS, xb);
    else
      pad_planes_s2(xg, Cg, d.H, d.W, HW, Hq, Wq, PS, xb);
    std::fill(xb + Cg * CS, xb + xbn, T(0));
    // 2. register tiles over the virtual positions
    for (int64_t k = 0; k < tiles; ++k)
      run_tile<T>(OT, NV, xb, CS, toff, Cg, wpk.data() + (g * tiles + k) * Cg * 9 * OT, yt + k * OT * Qp, Qp, Qp);
    // 3. valid columns to y, with the epilogue
    for (int64_t o = 0; o < Og; ++o) {
      T bo = bias ? bias[g * Og + o] : T(0);
      T* yo = y + (n * d.O + g * Og + o) * P;
      const T* src = yt + o * Qp;
      for (int64_t oh = 0; oh < d.Ho; ++oh) {
        const T* sr = src + oh * Wq;
        T* dr = yo + oh * d.Wo;
        if (d.relu)
          for (int64_t ow = 0; ow < d.Wo; ++ow) dr[ow] = std::max(sr[ow] + bo, T(0));
        else
          for (int64_t ow = 0; ow < d.Wo; ++ow) dr[ow] = sr[ow] + bo;
      }
    }
  });
}

#else  // no x86 target attributes: never taken

bool grouped_direct_supported(const Conv2dDims&) { return false; }

template <class T>
void grouped_direct_forward_cpu(const Conv2dDims&, const T*, const T*, const T*, T*) {}

#endif

bool grouped_direct_preferred(const Conv2dDims& d) {
  if (g_mode == 0 || !grouped_direct_supported(d)) return false;
  return true;
}

template void grouped_direct_forward_cpu<float>(const Conv2dDims&, const float*, const float*, const float*, float*);
template void grouped_direct_forward_cpu<double>(const Conv2dDims&, const double*, const double*, const double*,
                                                  double*);

}  // namespace kd
