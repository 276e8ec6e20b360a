#pragma once
// CPU kernels behind softmax.h; rows of (n, c), temperature passed as its inverse.
#include <cstdint>

namespace kd {

// y = softmax(z * inv_t) or, with log, log_softmax(z * inv_t); z, y (n, c).
template <class T>
void softmax_forward_cpu(const T* z, T* y, int64_t n, int64_t c, double inv_t, bool log);

// From the saved output y = softmax(z * inv_t): gz = inv_t * y * (gy - <gy, y>).
template <class T>
void softmax_backward_cpu(const T* y, const T* gy, T* gz, int64_t n, int64_t c, double inv_t);

// From the saved output ly = log_softmax(z * inv_t): gz = inv_t * (gy - exp(ly) * sum(gy)).
template <class T>
void log_softmax_backward_cpu(const T* ly, const T* gy, T* gz, int64_t n, int64_t c, double inv_t);

}  // namespace kd
