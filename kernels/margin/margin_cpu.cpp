#include "kernels/margin/margin_cpu.h"

#include "engine/parallel.h"
#include "kernels/margin/margin_target.h"

namespace kd {

double margin_target(double t, const MarginParams& p, double* dt) { return margin_target_value(t, p.kind, p.m, dt); }

template <class T>
void margin_forward_cpu(const T* cos, const int64_t* labels, T* y, double* dtarget, int64_t n, int64_t c,
                        const MarginParams& p) {
  parallel_for(
      n,
      [&](int64_t i) {
        const T* ci = cos + i * c;  // (c)
        T* yi = y + i * c;          // (c)
        for (int64_t j = 0; j < c; ++j) yi[j] = T(p.s * double(ci[j]));
        const int64_t k = labels[i];
        yi[k] = T(p.s * margin_target(double(ci[k]), p, &dtarget[i]));
      },
      c);
}

template <class T>
void margin_backward_cpu(const int64_t* labels, const double* dtarget, const T* gy, T* gcos, int64_t n, int64_t c,
                         double s) {
  parallel_for(
      n,
      [&](int64_t i) {
        const T* gyi = gy + i * c;  // (c)
        T* gi = gcos + i * c;       // (c)
        for (int64_t j = 0; j < c; ++j) gi[j] = T(s * double(gyi[j]));
        const int64_t k = labels[i];
        gi[k] = T(s * dtarget[i] * double(gyi[k]));
      },
      c);
}

#define KD_INSTANTIATE(T)                                                                                  \
  template void margin_forward_cpu<T>(const T*, const int64_t*, T*, double*, int64_t, int64_t,            \
                                      const MarginParams&);                                                \
  template void margin_backward_cpu<T>(const int64_t*, const double*, const T*, T*, int64_t, int64_t, double);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
