// Fused CBAM on the CPU: one thread per image (parallel_for over N); inside an image every
// N*C*H*W loop runs channels outer, pixels inner, so the inner loops are contiguous. The
// pooled statistics follow the primitive ops' arithmetic (global_avg_pool's double sum,
// channel_mean's running T sum, first-maximum ties with NaN taking over), so the fused op
// and cbam_composed agree to rounding and route max gradients to the same elements.
#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/parallel.h"
#include "kernels/cbam/cbam_cpu.h"

namespace kd {
namespace {

// relu as the primitive op computes it (x > 0 ? x : 0): a NaN becomes 0, as in relu() and
// the CUDA kernels.
template <class T>
inline T relu_v(T x) {
  return x > T(0) ? x : T(0);
}

// global_max_pool / channel_max's rule: strictly greater wins (ties keep the first), a NaN
// takes over a number.
template <class T>
inline bool takes_over(T v, T cur) {
  return v > cur || (v != v && cur == cur);
}

template <class T>
inline T sigmoid(T z) {
  return T(1) / (T(1) + std::exp(-z));
}

// Mean and first maximum of xp[0, S) in one read: the sum in sum_map's lane order (so the
// average is global_avg_pool's to the bit), the maximum over 8 lanes, then a scan of the
// (cached) row for the first element equal to it, or the first NaN.
template <class T>
void mean_and_first_max(const T* xp, int64_t S, T* avg, T* mx, int64_t* arg) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  T lane[8];
  for (int k = 0; k < 8; ++k) lane[k] = xp[0];
  bool nan = false;
  int64_t i = 0;
  for (; i + 8 <= S; i += 8)
    for (int k = 0; k < 8; ++k) {
      const T v = xp[i + k];
      acc[k] += double(v);
      lane[k] = std::max(lane[k], v);
      nan |= v != v;
    }
  double tail = 0;
  T m = lane[0];
  for (int k = 1; k < 8; ++k) m = std::max(m, lane[k]);
  for (; i < S; ++i) {
    tail += double(xp[i]);
    m = std::max(m, xp[i]);
    nan |= xp[i] != xp[i];
  }
  const double sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
  *avg = T(sum / double(S));
  if (!arg) {  // inference: the value alone (a NaN takes over, as below)
    *mx = nan ? T(NAN) : m;
    return;
  }
  int64_t j = 0;
  if (nan)
    while (xp[j] == xp[j]) ++j;
  else
    while (xp[j] != m) ++j;
  *mx = xp[j];
  *arg = j;
}

// Maximum over channels of x' = x ca without the argmax (inference): the same values as the
// indexed loop in cbam_forward_cpu, in a loop the compiler vectorises.
template <class T>
void channel_mean_max(const T* xn, const T* can, int64_t C, int64_t S, T* m0, T* m1) {
  for (int64_t s = 0; s < S; ++s) m0[s] = m1[s] = xn[s] * can[0];
  for (int64_t c = 1; c < C; ++c) {
    const T* __restrict xp = xn + c * S;
    const T cc = can[c];
    for (int64_t s = 0; s < S; ++s) {
      const T v = xp[s] * cc;
      const T cur = m1[s];
      m0[s] += v;
      m1[s] = takes_over(v, cur) ? v : cur;
    }
  }
}

// Rows h of the output whose tap (dy, dx) lands inside the map: h + dy in [0, H).
struct TapRange {
  int64_t h0, h1, w0, w1;
};
inline TapRange tap_range(const CbamDims& d, int64_t dy, int64_t dx) {
  return {std::max<int64_t>(0, -dy), std::min(d.H, d.H - dy), std::max<int64_t>(0, -dx), std::min(d.W, d.W - dx)};
}

}  // namespace

template <class T>
void cbam_forward_cpu(const CbamDims& d, const T* x, const T* w1, const T* w2, const T* ws, T* y, T* ca, T* sa,
                      const CbamSaved<T>& sv) {
  const int64_t C = d.C, S = d.S(), Hd = d.hidden, k = d.k, p = d.pad();
  parallel_for(d.N, [&](int64_t n) {
    const T* xn = x + n * C * S;  // (C, S)
    T* avg = sv.pool + n * 2 * C;  // (C)
    T* mx = avg + C;               // (C)
    for (int64_t c = 0; c < C; ++c)
      mean_and_first_max(xn + c * S, S, avg + c, mx + c, sv.parg ? sv.parg + n * C + c : nullptr);

    // Shared MLP on both pooled vectors; dot products in double.
    T* ha = sv.hpre + n * 2 * Hd;  // (hidden)
    T* hm = ha + Hd;               // (hidden)
    for (int64_t j = 0; j < Hd; ++j) {
      const T* wr = w1 + j * C;
      double a = 0, b = 0;
      for (int64_t c = 0; c < C; ++c) {
        a += double(wr[c]) * double(avg[c]);
        b += double(wr[c]) * double(mx[c]);
      }
      ha[j] = T(a);
      hm[j] = T(b);
    }
    T* can = ca + n * C;  // (C)
    for (int64_t c = 0; c < C; ++c) {
      const T* wr = w2 + c * Hd;
      double a = 0, b = 0;
      for (int64_t j = 0; j < Hd; ++j) {
        a += double(wr[j]) * double(relu_v(ha[j]));
        b += double(wr[j]) * double(relu_v(hm[j]));
      }
      can[c] = sigmoid(T(T(a) + T(b)));
    }

    // Mean and max over channels of x' = x ca, planes accumulated along the pixel row.
    T* m0 = sv.map + n * 2 * S;  // (S) mean
    T* m1 = m0 + S;              // (S) max
    if (sv.carg) {
      // Branch-free select on an int32 index row (int64 selects do not vectorise with SSE2).
      std::vector<int32_t> a32(size_t(S), 0);  // (S)
      for (int64_t s = 0; s < S; ++s) {
        const T v = xn[s] * can[0];
        m0[s] = v;
        m1[s] = v;
      }
      for (int64_t c = 1; c < C; ++c) {
        const T* xp = xn + c * S;
        const T cc = can[c];
        const int32_t ci = int32_t(c);
        int32_t* a = a32.data();
        for (int64_t s = 0; s < S; ++s) {
          const T v = xp[s] * cc;
          const T cur = m1[s];
          const bool take = takes_over(v, cur);
          m0[s] += v;
          m1[s] = take ? v : cur;
          a[s] = take ? ci : a[s];
        }
      }
      int64_t* ap = sv.carg + n * S;
      for (int64_t s = 0; s < S; ++s) ap[s] = a32[size_t(s)];
    } else {
      channel_mean_max(xn, can, C, S, m0, m1);
    }
    const T inv = T(1.0 / double(C));
    for (int64_t s = 0; s < S; ++s) m0[s] *= inv;

    // k x k convolution over the two maps (zero padding), tap by tap along whole rows.
    std::vector<double> q(size_t(S), 0.0);  // (S) pre-sigmoid spatial logits
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t ky = 0; ky < k; ++ky)
        for (int64_t kx = 0; kx < k; ++kx) {
          const double wt = double(ws[(j * k + ky) * k + kx]);
          const int64_t dy = ky - p, dx = kx - p;
          const TapRange r = tap_range(d, dy, dx);
          for (int64_t h = r.h0; h < r.h1; ++h) {
            const T* row = m0 + j * S + (h + dy) * d.W + dx;
            double* qr = q.data() + h * d.W;
            for (int64_t w = r.w0; w < r.w1; ++w) qr[w] += wt * double(row[w]);
          }
        }
    T* san = sa + n * S;  // (S)
    for (int64_t s = 0; s < S; ++s) san[s] = sigmoid(T(q[size_t(s)]));

    T* yn = y + n * C * S;
    for (int64_t c = 0; c < C; ++c) {
      const T* xp = xn + c * S;
      T* yp = yn + c * S;
      const T cc = can[c];
      for (int64_t s = 0; s < S; ++s) yp[s] = (xp[s] * cc) * san[s];
    }
  }, C * S * 4);
}

template <class T>
void cbam_backward_cpu(const CbamDims& d, const T* x, const T* w1, const T* w2, const T* ws, const T* ca,
                       const T* sa, const CbamSaved<T>& sv, const T* gy, const T* gca, const T* gsa, T* gx,
                       T* gw1, T* gw2, T* gws) {
  const int64_t N = d.N, C = d.C, S = d.S(), Hd = d.hidden, k = d.k, p = d.pad(), K2 = 2 * k * k;
  // Per-image terms of the weight gradients, summed over images in order afterwards.
  std::vector<double> gz(size_t(N * C));         // (N, C) gradient of the pre-sigmoid channel logits
  std::vector<double> gh(size_t(N * 2 * Hd));    // (N, 2, hidden) gradient of fc1's outputs
  std::vector<double> gws_part(size_t(N * K2));  // (N, 2, k, k)

  parallel_for(N, [&](int64_t n) {
    const T* xn = x + n * C * S;    // (C, S)
    const T* gyn = gy + n * C * S;  // (C, S)
    const T* can = ca + n * C;      // (C)
    const T* san = sa + n * S;      // (S)
    const T* m0 = sv.map + n * 2 * S;
    const int64_t* ap = sv.carg + n * S;

    // g_sa = gsa + sum_c gy x', then through the sigmoid: gq = d loss / d logit.
    std::vector<double> gq(size_t(S), 0.0);  // (S)
    for (int64_t c = 0; c < C; ++c) {
      const T* xp = xn + c * S;
      const T* gp = gyn + c * S;
      const T cc = can[c];
      for (int64_t s = 0; s < S; ++s) gq[size_t(s)] += double(gp[s]) * double(xp[s] * cc);
    }
    for (int64_t s = 0; s < S; ++s) {
      const double a = double(san[s]);
      gq[size_t(s)] = (gq[size_t(s)] + double(gsa[n * S + s])) * a * (1 - a);
    }

    // Convolution backward: gm = correlation transposed (scatter along rows), and this
    // image's spatial-weight term.
    std::vector<double> gm(size_t(2 * S), 0.0);  // (2, S) gradient of [mean, max] maps
    double* gwn = gws_part.data() + n * K2;
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t ky = 0; ky < k; ++ky)
        for (int64_t kx = 0; kx < k; ++kx) {
          const double wt = double(ws[(j * k + ky) * k + kx]);
          const int64_t dy = ky - p, dx = kx - p;
          const TapRange r = tap_range(d, dy, dx);
          double acc = 0;
          for (int64_t h = r.h0; h < r.h1; ++h) {
            const T* row = m0 + j * S + (h + dy) * d.W + dx;
            double* gr = gm.data() + j * S + (h + dy) * d.W + dx;
            const double* qr = gq.data() + h * d.W;
            for (int64_t w = r.w0; w < r.w1; ++w) {
              gr[w] += wt * qr[w];
              acc += qr[w] * double(row[w]);
            }
          }
          gwn[(j * k + ky) * k + kx] = acc;
        }
    const double invC = 1.0 / double(C);
    double* gmean = gm.data();    // (S), scaled to the per-channel share below
    const double* gmax = gm.data() + S;  // (S)
    for (int64_t s = 0; s < S; ++s) gmean[s] *= invC;

    // g_x' = gy sa + gmean + [c = argmax] gmax;  g_ca = gca + sum_s g_x' x.
    double* gzn = gz.data() + n * C;
    for (int64_t c = 0; c < C; ++c) {
      const T* xp = xn + c * S;
      const T* gp = gyn + c * S;
      double acc = 0;
      for (int64_t s = 0; s < S; ++s) acc += (double(gp[s]) * double(san[s]) + gmean[s]) * double(xp[s]);
      gzn[c] = acc;
    }
    for (int64_t s = 0; s < S; ++s) gzn[ap[s]] += gmax[s] * double(xn[ap[s] * S + s]);
    for (int64_t c = 0; c < C; ++c) {
      const double a = double(can[c]);
      gzn[c] = (gzn[c] + double(gca[n * C + c])) * a * (1 - a);
    }

    // MLP backward: both branches see the same g_z (fc2 is linear, their outputs add).
    const T* ha = sv.hpre + n * 2 * Hd;
    double* ghn = gh.data() + n * 2 * Hd;  // (2, hidden)
    for (int64_t j = 0; j < Hd; ++j) {
      double g = 0;
      for (int64_t c = 0; c < C; ++c) g += double(w2[c * Hd + j]) * gzn[c];
      ghn[j] = ha[j] > T(0) ? g : 0.0;
      ghn[Hd + j] = ha[Hd + j] > T(0) ? g : 0.0;
    }
    if (!gx) return;

    // g_x = g_x' ca + g_avg / S + [s = argmax_s] g_max, with g_avg, g_max = fc1^T gh.
    T* gxn = gx + n * C * S;
    const int64_t* parg = sv.parg + n * C;
    for (int64_t c = 0; c < C; ++c) {
      double gavg = 0, gmx = 0;
      for (int64_t j = 0; j < Hd; ++j) {
        gavg += double(w1[j * C + c]) * ghn[j];
        gmx += double(w1[j * C + c]) * ghn[Hd + j];
      }
      const T* gp = gyn + c * S;
      T* gxp = gxn + c * S;
      const double cc = double(can[c]), ga = gavg / double(S);
      for (int64_t s = 0; s < S; ++s) gxp[s] = T((double(gp[s]) * double(san[s]) + gmean[s]) * cc + ga);
      gxp[parg[c]] = T(double(gxp[parg[c]]) + gmx);
    }
    for (int64_t s = 0; s < S; ++s) {
      T& e = gxn[ap[s] * S + s];
      e = T(double(e) + gmax[s] * double(can[ap[s]]));
    }
  }, C * S * 6);

  // Weight gradients: one thread per weight element, images in order.
  if (gw1)
    parallel_for(Hd * C, [&](int64_t i) {
      const int64_t j = i / C, c = i % C;
      double acc = 0;
      for (int64_t n = 0; n < N; ++n) {
        const T* pool = sv.pool + n * 2 * C;
        acc += gh[size_t(n * 2 * Hd + j)] * double(pool[c]) + gh[size_t(n * 2 * Hd + Hd + j)] * double(pool[C + c]);
      }
      gw1[i] = T(acc);
    }, N);
  if (gw2)
    parallel_for(C * Hd, [&](int64_t i) {
      const int64_t c = i / Hd, j = i % Hd;
      double acc = 0;
      for (int64_t n = 0; n < N; ++n) {
        const T* ha = sv.hpre + n * 2 * Hd;
        acc += gz[size_t(n * C + c)] * (double(relu_v(ha[j])) + double(relu_v(ha[Hd + j])));
      }
      gw2[i] = T(acc);
    }, N);
  if (gws)
    for (int64_t t = 0; t < K2; ++t) {
      double acc = 0;
      for (int64_t n = 0; n < N; ++n) acc += gws_part[size_t(n * K2 + t)];
      gws[t] = T(acc);
    }
}

#define KD_INSTANTIATE(T)                                                                                       \
  template void cbam_forward_cpu<T>(const CbamDims&, const T*, const T*, const T*, const T*, T*, T*, T*,         \
                                    const CbamSaved<T>&);                                                      \
  template void cbam_backward_cpu<T>(const CbamDims&, const T*, const T*, const T*, const T*, const T*, const T*, \
                                     const CbamSaved<T>&, const T*, const T*, const T*, T*, T*, T*, T*);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
