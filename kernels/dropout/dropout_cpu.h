#pragma once
// CPU kernel behind dropout.h, templated on float / double. The mask is recomputed from
// (seed, i) rather than stored, so the same call serves forward (x -> y) and backward
// (gy -> gx).
#include <cstdint>

namespace kd {

// y[i] = keep(seed, i) ? x[i] / (1 - p) : 0
template <class T>
void dropout_apply_cpu(const T* x, T* y, int64_t n, double p, uint64_t seed);

}  // namespace kd
