#pragma once
// Running ("online") log-sum-exp, shared by the CPU and CUDA kernels of the fused losses
// (kd_softmax_kl here, margin_cross_entropy in kernels/margin/) so that both devices run the
// same update and the same merge. One read of a row gives its log-sum-exp without a separate
// max pass: the sum is kept relative to the largest value seen so far and rescaled when a
// larger one arrives. The CPU kernels use the update sequentially; the CUDA kernels use it per
// thread and then merge the threads' states with lse_merge_scale (tested on the CPU in
// tests/test_fused_losses.cpp by splitting rows into chunks).
//
// NaN: a NaN element never becomes the maximum (x > m is false) but is added to the sum as
// exp(NaN) = NaN, so a NaN input gives a NaN log-sum-exp, never a crash or a silent number.
// -inf elements contribute exp(-inf) = 0 and are skipped (exp(-inf - -inf) would be NaN).
#include <math.h>

#include "engine/rng.h"  // KD_HD

namespace kd {

// sum_k exp(x_k) = s * exp(m); m = -inf and s = 0 for an empty stream.
struct OnlineLse {
  double m = -HUGE_VAL;
  double s = 0;
};

KD_HD inline void lse_add(OnlineLse& a, double x) {
  if (x > a.m) {
    a.s = a.s * ::exp(a.m - x) + 1.0;  // exp(-inf) = 0 on the first element
    a.m = x;
  } else if (x != -HUGE_VAL) {
    a.s += ::exp(x - a.m);
  }
}

// As OnlineLse, plus the exp-weighted sum of a second value d_k: w = sum_k exp(x_k - m) d_k.
// For the KD loss, sum_k p_k d_k = w / s with p = softmax(x).
struct OnlineLseW {
  double m = -HUGE_VAL;
  double s = 0;
  double w = 0;
};

KD_HD inline void lse_add(OnlineLseW& a, double x, double d) {
  if (x > a.m) {
    const double f = ::exp(a.m - x);
    a.s = a.s * f + 1.0;
    a.w = a.w * f + d;
    a.m = x;
  } else if (x != -HUGE_VAL) {
    const double e = ::exp(x - a.m);
    a.s += e;
    a.w += e * d;
  }
}

// The factor that brings a partial state (m, s) to a common maximum m_all >= m before the
// partial sums are added: an empty partial (s == 0) contributes 0 even where m = m_all = -inf,
// and a NaN partial stays NaN. A partial whose maximum is the common one takes factor 1 exactly
// (not exp(m - m_all), which is NaN for m = m_all = +inf: the sequential update gives +inf there).
KD_HD inline double lse_merge_scale(double m, double s, double m_all) {
  return s == 0 ? 0.0 : (m == m_all ? 1.0 : ::exp(m - m_all));
}

}  // namespace kd
