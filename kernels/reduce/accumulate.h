#pragma once
// Sums in double for the CPU kernels. Eight independent partial sums let the compiler
// vectorise without reassociation flags (-ffast-math), and the result is the same on every
// run and thread count.
#include <cstdint>

namespace kd {

// sum over i in [0, n) of f(i), f returning double
template <class F>
inline double sum_map(int64_t n, F&& f) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += f(i + k);
  double tail = 0;
  for (; i < n; ++i) tail += f(i);
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

template <class T>
inline double sum_span(const T* x, int64_t n) {
  return sum_map(n, [x](int64_t i) { return double(x[i]); });
}

}  // namespace kd
