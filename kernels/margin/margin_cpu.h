#pragma once
// CPU kernels behind margin.h.
#include <cstdint>

#include "kernels/margin/margin.h"

namespace kd {

// The target entry before the factor s, for a target cosine t; *dt receives its derivative.
double margin_target(double t, const MarginParams& p, double* dt);

// y = s * cos with target entries s * margin_target(cos[i, y_i]); dtarget[i] its derivative.
// cos, y (n, c); labels (n), already range-checked.
template <class T>
void margin_forward_cpu(const T* cos, const int64_t* labels, T* y, double* dtarget, int64_t n, int64_t c,
                        const MarginParams& p);

// gcos = s * gy, the target entries times dtarget[i].
template <class T>
void margin_backward_cpu(const int64_t* labels, const double* dtarget, const T* gy, T* gcos, int64_t n, int64_t c,
                         double s);

}  // namespace kd
