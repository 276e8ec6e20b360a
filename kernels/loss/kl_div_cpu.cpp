#include <cmath>
#include <vector>

#include "engine/parallel.h"
#include "kernels/loss/loss_cpu.h"

namespace kd {

template <class T>
double kl_div_forward_cpu(const T* log_q, const T* p, int64_t n, int64_t c) {
  // Per-row partial sums, added in row order afterwards: the result does not depend on the
  // thread count.
  std::vector<double> rows(size_t(n), 0.0);
  parallel_for(
      n,
      [&](int64_t i) {
        const T* lq = log_q + i * c;  // (c)
        const T* pi = p + i * c;      // (c)
        double s = 0;
        for (int64_t j = 0; j < c; ++j) {
          const double pj = double(pi[j]);
          // 0 log 0 = 0, and a zero target contributes nothing even where log_q is -inf.
          if (pj != 0) s += pj * (std::log(pj) - double(lq[j]));
        }
        rows[size_t(i)] = s;
      },
      4 * c);
  double total = 0;
  for (double r : rows) total += r;
  return total;
}

template <class T>
void kl_div_backward_cpu(const T* log_q, const T* p, double scale, T* g_log_q, T* g_p, int64_t n, int64_t c) {
  parallel_for(
      n,
      [&](int64_t i) {
        for (int64_t k = i * c; k < (i + 1) * c; ++k) {
          const double pk = double(p[k]);
          if (g_log_q) g_log_q[k] = T(-pk * scale);
          if (g_p) g_p[k] = T((pk > 0 ? std::log(pk) + 1 - double(log_q[k]) : -double(log_q[k])) * scale);
        }
      },
      4 * c);
}

#define KD_INSTANTIATE(T)                                                                  \
  template double kl_div_forward_cpu<T>(const T*, const T*, int64_t, int64_t);           \
  template void kl_div_backward_cpu<T>(const T*, const T*, double, T*, T*, int64_t, int64_t);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
