#pragma once
// The margin applied to a target cosine, shared by the CPU and CUDA kernels so both compute
// the same formula (KD_HD: host and device).
#include <math.h>

#include "engine/rng.h"  // KD_HD
#include "kernels/margin/margin.h"

namespace kd {

// sin(theta) = sqrt(1 - t^2) has derivative -t / sqrt(1 - t^2), unbounded as t -> +-1, and a
// float cosine of a sample that matches its class weight rounds to exactly 1 (giving inf / NaN
// gradients). Clamping t to [-1 + 1e-7, 1 - 1e-7] inside the sine only bounds that derivative
// (|t / sin| < ~2300) and moves the value by at most m * sqrt(2e-7) ~ 4.5e-4 * m; everywhere
// else the formula is the exact insightface one. The clamp is treated as a clamp when
// differentiating: outside the band the sine is a constant, as PyTorch's autograd would say.
constexpr double kMarginSinClamp = 1e-7;
constexpr double kMarginPi = 3.14159265358979323846;

// The target entry before the factor s, for a target cosine t; *dt receives its derivative.
KD_HD inline double margin_target_value(double t, MarginKind kind, double m, double* dt) {
  if (kind == MarginKind::CosFace) {
    *dt = 1.0;
    return t - m;
  }
  // ArcFace, insightface form. Beyond theta = pi - m, cos(theta + m) would turn back up
  // (theta + m > pi), so the target is continued by the straight line t - m sin(pi - m).
  if (t > ::cos(kMarginPi - m)) {
    const double lo = -1.0 + kMarginSinClamp, hi = 1.0 - kMarginSinClamp;
    const double tc = t < lo ? lo : (hi < t ? hi : t);  // std::clamp, usable on the device
    const double sin_t = ::sqrt(1.0 - tc * tc);
    const double dsin = (tc == t) ? -tc / sin_t : 0.0;
    *dt = ::cos(m) - dsin * ::sin(m);
    return t * ::cos(m) - sin_t * ::sin(m);  // cos(theta + m)
  }
  *dt = 1.0;
  return t - m * ::sin(kMarginPi - m);
}

}  // namespace kd
