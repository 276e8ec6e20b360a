#include "kernels/kd_kl/kd_kl_cpu.h"

#include <cmath>

#include "engine/parallel.h"
#include "kernels/kd_kl/online_lse.h"

namespace kd {

// One read of the two rows: the student's log-sum-exp and the teacher's, the latter together
// with the p_t-weighted sum of (a - b), so KL needs neither stored probabilities nor a second
// pass. Same update as the CUDA threads use (online_lse.h).
template <class T>
void kd_kl_forward_cpu(const T* z_s, const T* z_t, double inv_t, double* lse_s, double* lse_t, double* row_kl,
                       int64_t n, int64_t c) {
  parallel_for(
      n,
      [&](int64_t i) {
        const T* zs = z_s + i * c;  // (c)
        const T* zt = z_t + i * c;  // (c)
        OnlineLse st;
        OnlineLseW te;
        for (int64_t j = 0; j < c; ++j) {
          const double b = double(zs[j]) * inv_t, a = double(zt[j]) * inv_t;
          lse_add(st, b);
          lse_add(te, a, a - b);
        }
        const double ls = st.m + std::log(st.s), lt = te.m + std::log(te.s);
        lse_s[i] = ls;
        lse_t[i] = lt;
        row_kl[i] = te.w / te.s - lt + ls;
      },
      8 * c);
}

template <class T>
void kd_kl_backward_cpu(const T* z_s, const T* z_t, double inv_t, const double* lse_s, const double* lse_t,
                        double scale, T* g_zs, int64_t n, int64_t c) {
  parallel_for(
      n,
      [&](int64_t i) {
        const T* zs = z_s + i * c;  // (c)
        const T* zt = z_t + i * c;  // (c)
        T* g = g_zs + i * c;        // (c)
        const double ls = lse_s[i], lt = lse_t[i];
        for (int64_t j = 0; j < c; ++j)
          g[j] = T(scale * (std::exp(double(zs[j]) * inv_t - ls) - std::exp(double(zt[j]) * inv_t - lt)));
      },
      8 * c);
}

#define KD_INSTANTIATE(T)                                                                                        \
  template void kd_kl_forward_cpu<T>(const T*, const T*, double, double*, double*, double*, int64_t, int64_t); \
  template void kd_kl_backward_cpu<T>(const T*, const T*, double, const double*, const double*, double, T*,     \
                                      int64_t, int64_t);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
