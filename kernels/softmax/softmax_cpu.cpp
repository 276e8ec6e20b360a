#include "kernels/softmax/softmax_cpu.h"

#include <cmath>

#include "engine/parallel.h"

namespace kd {

// Row sums accumulate in double: with tens of thousands of classes (face identities) a float
// running sum loses the small terms.
template <class T>
void softmax_forward_cpu(const T* z, T* y, int64_t n, int64_t c, double inv_t, bool log) {
  parallel_for(
      n,
      [&](int64_t i) {
        const T* zi = z + i * c;  // (c)
        T* yi = y + i * c;        // (c)
        // Subtracting the row maximum keeps every exp() argument <= 0: no overflow for huge
        // logits, and the largest term is exactly 1 so the sum never underflows to 0.
        double mx = double(zi[0]) * inv_t;
        for (int64_t j = 1; j < c; ++j) mx = std::fmax(mx, double(zi[j]) * inv_t);
        double sum = 0;
        for (int64_t j = 0; j < c; ++j) {
          double e = std::exp(double(zi[j]) * inv_t - mx);
          if (!log) yi[j] = T(e);
          sum += e;
        }
        if (log) {
          const double lse = mx + std::log(sum);
          for (int64_t j = 0; j < c; ++j) yi[j] = T(double(zi[j]) * inv_t - lse);
        } else {
          const double inv = 1.0 / sum;
          for (int64_t j = 0; j < c; ++j) yi[j] = T(double(yi[j]) * inv);
        }
      },
      4 * c);
}

template <class T>
void softmax_backward_cpu(const T* y, const T* gy, T* gz, int64_t n, int64_t c, double inv_t) {
  parallel_for(
      n,
      [&](int64_t i) {
        const T* yi = y + i * c;    // (c)
        const T* gyi = gy + i * c;  // (c)
        T* gzi = gz + i * c;        // (c)
        double dot = 0;
        for (int64_t j = 0; j < c; ++j) dot += double(yi[j]) * double(gyi[j]);
        for (int64_t j = 0; j < c; ++j) gzi[j] = T(inv_t * double(yi[j]) * (double(gyi[j]) - dot));
      },
      2 * c);
}

template <class T>
void log_softmax_backward_cpu(const T* ly, const T* gy, T* gz, int64_t n, int64_t c, double inv_t) {
  parallel_for(
      n,
      [&](int64_t i) {
        const T* lyi = ly + i * c;  // (c)
        const T* gyi = gy + i * c;  // (c)
        T* gzi = gz + i * c;        // (c)
        double sum = 0;
        for (int64_t j = 0; j < c; ++j) sum += double(gyi[j]);
        for (int64_t j = 0; j < c; ++j) gzi[j] = T(inv_t * (double(gyi[j]) - std::exp(double(lyi[j])) * sum));
      },
      4 * c);
}

#define KD_INSTANTIATE(T)                                                                           \
  template void softmax_forward_cpu<T>(const T*, T*, int64_t, int64_t, double, bool);              \
  template void softmax_backward_cpu<T>(const T*, const T*, T*, int64_t, int64_t, double);         \
  template void log_softmax_backward_cpu<T>(const T*, const T*, T*, int64_t, int64_t, double);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
