#include "kernels/reduce/reduce_cpu.h"

#include <algorithm>
#include <vector>

#include "engine/parallel.h"
#include "kernels/reduce/accumulate.h"

namespace kd {

template <class T>
double sum_all_cpu(const T* x, int64_t n) {
  constexpr int64_t kBlock = 8192;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> part(size_t(std::max<int64_t>(blocks, 1)), 0.0);
  parallel_for(blocks, [&](int64_t b) {
    const int64_t e = std::min(n, (b + 1) * kBlock);
    part[size_t(b)] = sum_span(x + b * kBlock, e - b * kBlock);
  }, kBlock);
  double s = 0;
  for (double v : part) s += v;
  return s;
}

template <class T>
void fill_cpu(T* gx, int64_t n, T g) {
  std::fill(gx, gx + n, g);
}

template <class T>
void sum_dim_forward_cpu(const T* x, T* y, int64_t outer, int64_t R, int64_t inner, double scale) {
  if (inner == 1) {  // reducing the last dimension: one dot-like sum per row
    parallel_for(outer, [&](int64_t o) {
      y[o] = T(sum_span(x + o * R, R) * scale);
    }, R);
    return;
  }
  // Accumulate whole rows of inner so the loop runs along contiguous memory.
  parallel_for(outer, [&](int64_t o) {
    T* yp = y + o * inner;
    std::fill(yp, yp + inner, T(0));
    for (int64_t r = 0; r < R; ++r) {
      const T* xp = x + (o * R + r) * inner;
      for (int64_t i = 0; i < inner; ++i) yp[i] += xp[i];
    }
    const T s = T(scale);
    for (int64_t i = 0; i < inner; ++i) yp[i] *= s;
  }, R * inner);
}

template <class T>
void sum_dim_backward_cpu(const T* gy, T* gx, int64_t outer, int64_t R, int64_t inner, double scale) {
  const T s = T(scale);
  parallel_for(outer, [&](int64_t o) {
    const T* gp = gy + o * inner;
    for (int64_t r = 0; r < R; ++r) {
      T* dp = gx + (o * R + r) * inner;
      for (int64_t i = 0; i < inner; ++i) dp[i] = gp[i] * s;
    }
  }, R * inner);
}

#define KD_INSTANTIATE(T)                                                                  \
  template double sum_all_cpu<T>(const T*, int64_t);                                       \
  template void fill_cpu<T>(T*, int64_t, T);                                               \
  template void sum_dim_forward_cpu<T>(const T*, T*, int64_t, int64_t, int64_t, double);   \
  template void sum_dim_backward_cpu<T>(const T*, T*, int64_t, int64_t, int64_t, double);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
