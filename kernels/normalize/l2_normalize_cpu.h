#pragma once
// CPU kernels behind l2_normalize.h; rows of (n, d).
#include <cstdint>

namespace kd {

// y = x / max(||x||, eps) per row; norm[i] = ||x_i|| (unclamped, kept for backward).
template <class T>
void l2_normalize_forward_cpu(const T* x, T* y, double* norm, int64_t n, int64_t d, double eps);

// Jacobian-vector product from the saved y and norm: gx = (gy - y <y, gy>) / ||x|| where
// ||x|| > eps, else gy / eps (the clamped denominator is a constant there).
template <class T>
void l2_normalize_backward_cpu(const T* y, const double* norm, const T* gy, T* gx, int64_t n, int64_t d, double eps);

}  // namespace kd
