#include "kernels/normalize/l2_normalize_cpu.h"

#include <cmath>

#include "engine/parallel.h"

namespace kd {

template <class T>
void l2_normalize_forward_cpu(const T* x, T* y, double* norm, int64_t n, int64_t d, double eps) {
  parallel_for(
      n,
      [&](int64_t i) {
        const T* xi = x + i * d;  // (d)
        T* yi = y + i * d;        // (d)
        double ss = 0;  // double: squares of large float embeddings would overflow a float sum
        for (int64_t j = 0; j < d; ++j) ss += double(xi[j]) * double(xi[j]);
        const double nrm = std::sqrt(ss);
        norm[i] = nrm;
        const double inv = 1.0 / std::fmax(nrm, eps);
        for (int64_t j = 0; j < d; ++j) yi[j] = T(double(xi[j]) * inv);
      },
      2 * d);
}

template <class T>
void l2_normalize_backward_cpu(const T* y, const double* norm, const T* gy, T* gx, int64_t n, int64_t d, double eps) {
  parallel_for(
      n,
      [&](int64_t i) {
        const T* yi = y + i * d;    // (d)
        const T* gyi = gy + i * d;  // (d)
        T* gxi = gx + i * d;        // (d)
        if (norm[i] > eps) {
          double dot = 0;
          for (int64_t j = 0; j < d; ++j) dot += double(yi[j]) * double(gyi[j]);
          const double inv = 1.0 / norm[i];
          for (int64_t j = 0; j < d; ++j) gxi[j] = T((double(gyi[j]) - double(yi[j]) * dot) * inv);
        } else {
          for (int64_t j = 0; j < d; ++j) gxi[j] = T(double(gyi[j]) / eps);
        }
      },
      3 * d);
}

#define KD_INSTANTIATE(T)                                                                               \
  template void l2_normalize_forward_cpu<T>(const T*, T*, double*, int64_t, int64_t, double);          \
  template void l2_normalize_backward_cpu<T>(const T*, const double*, const T*, T*, int64_t, int64_t, double);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
