#include "kernels/margin/margin_ce_cpu.h"

#include <cmath>

#include "engine/parallel.h"
#include "kernels/kd_kl/online_lse.h"
#include "kernels/margin/margin_target.h"

namespace kd {

// One read of the row: an online log-sum-exp over s * cos with the target column replaced by
// its margin logit (the same update the CUDA threads run, online_lse.h). The columns are
// visited in order, the target in its place, so no per-element branch is needed.
template <class T>
void margin_ce_forward_cpu(const T* cos, const int64_t* labels, double* lse, double* row_loss, int64_t n, int64_t c,
                           const MarginParams& p) {
  const double s = p.s;
  parallel_for(
      n,
      [&](int64_t i) {
        const T* ci = cos + i * c;  // (c)
        const int64_t y = labels[i];
        double dt = 0;
        const double zt = s * margin_target_value(double(ci[y]), p.kind, p.m, &dt);
        OnlineLse a;
        for (int64_t j = 0; j < y; ++j) lse_add(a, s * double(ci[j]));
        lse_add(a, zt);
        for (int64_t j = y + 1; j < c; ++j) lse_add(a, s * double(ci[j]));
        const double l = a.m + std::log(a.s);
        lse[i] = l;
        row_loss[i] = l - zt;
      },
      4 * c);
}

template <class T>
void margin_ce_backward_cpu(const T* cos, const int64_t* labels, const double* lse, double scale, T* g_cos, int64_t n,
                            int64_t c, const MarginParams& p) {
  const double s = p.s, ss = scale * p.s;
  parallel_for(
      n,
      [&](int64_t i) {
        const T* ci = cos + i * c;  // (c)
        T* gi = g_cos + i * c;      // (c)
        const double l = lse[i];
        for (int64_t j = 0; j < c; ++j) gi[j] = T(ss * std::exp(s * double(ci[j]) - l));
        const int64_t y = labels[i];
        double dt = 0;
        const double zt = s * margin_target_value(double(ci[y]), p.kind, p.m, &dt);
        gi[y] = T(ss * dt * (std::exp(zt - l) - 1.0));  // p - 1 formed in double, not from a rounded p
      },
      4 * c);
}

#define KD_INSTANTIATE(T)                                                                                       \
  template void margin_ce_forward_cpu<T>(const T*, const int64_t*, double*, double*, int64_t, int64_t,          \
                                         const MarginParams&);                                                  \
  template void margin_ce_backward_cpu<T>(const T*, const int64_t*, const double*, double, T*, int64_t, int64_t, \
                                          const MarginParams&);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
