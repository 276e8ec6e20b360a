#include "kernels/margin/margin_cpu.h"

#include <algorithm>
#include <cmath>

#include "engine/parallel.h"

namespace kd {

namespace {
constexpr double kPi = 3.14159265358979323846;
// sin(theta) = sqrt(1 - t^2) has derivative -t / sqrt(1 - t^2), unbounded as t -> +-1, and a
// float cosine of a sample that matches its class weight rounds to exactly 1 (giving inf / NaN
// gradients). Clamping t to [-1 + 1e-7, 1 - 1e-7] inside the sine only bounds that derivative
// (|t / sin| < ~2300) and moves the value by at most m * sqrt(2e-7) ~ 4.5e-4 * m; everywhere
// else the formula is the exact insightface one. The clamp is treated as a clamp when
// differentiating: outside the band the sine is a constant, as PyTorch's autograd would say.
constexpr double kSinClamp = 1e-7;
}  // namespace

double margin_target(double t, const MarginParams& p, double* dt) {
  if (p.kind == MarginKind::CosFace) {
    *dt = 1.0;
    return t - p.m;
  }
  // ArcFace, insightface form. Beyond theta = pi - m, cos(theta + m) would turn back up
  // (theta + m > pi), so the target is continued by the straight line t - m sin(pi - m).
  if (t > std::cos(kPi - p.m)) {
    const double tc = std::clamp(t, -1.0 + kSinClamp, 1.0 - kSinClamp);
    const double sin_t = std::sqrt(1.0 - tc * tc);
    const double dsin = (tc == t) ? -tc / sin_t : 0.0;
    *dt = std::cos(p.m) - dsin * std::sin(p.m);
    return t * std::cos(p.m) - sin_t * std::sin(p.m);  // cos(theta + m)
  }
  *dt = 1.0;
  return t - p.m * std::sin(kPi - p.m);
}

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
