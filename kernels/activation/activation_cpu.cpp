#include "kernels/activation/activation_cpu.h"

#include <algorithm>
#include <cmath>

#include "engine/parallel.h"
#include "kernels/reduce/accumulate.h"

namespace kd {

template <class T>
void relu_forward_cpu(const T* x, T* y, int64_t n) {
  parallel_for_chunks(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
  });
}

template <class T>
void add_relu_forward_cpu(const T* a, const T* b, T* y, int64_t n) {
  parallel_for_chunks(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const T v = a[i] + b[i];
      y[i] = v > T(0) ? v : T(0);
    }
  });
}

template <class T>
void relu_backward_cpu(const T* y, const T* gy, T* gx, int64_t n) {
  parallel_for_chunks(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T g = gy[i];  // loaded unconditionally so the select vectorises
      gx[i] = y[i] > T(0) ? g : T(0);
    }
  });
}

template <class T>
void sigmoid_forward_cpu(const T* x, T* y, int64_t n) {
  // No branch needed: for very negative x, exp(-x) = inf and 1 / inf = 0 exactly; the
  // relative error stays at rounding level across the range.
  parallel_for_chunks(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = T(1) / (T(1) + std::exp(-x[i]));
  });
}

template <class T>
void sigmoid_backward_cpu(const T* y, const T* gy, T* gx, int64_t n) {
  parallel_for_chunks(n, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) gx[i] = gy[i] * y[i] * (T(1) - y[i]);
  });
}

template <class T>
void prelu_forward_cpu(const T* x, const T* a, T* y, int64_t N, int64_t C, int64_t S) {
  // x, y (N, C, S); a (C)
  parallel_for(N * C, [&](int64_t nc) {
    const T slope = a[nc % C];
    const T* xp = x + nc * S;
    T* yp = y + nc * S;
    // max / min rather than a branch on the sign (unpredictable for real data); this
    // form vectorises and is exact: one of the two terms is zero.
    for (int64_t s = 0; s < S; ++s) {
      const T v = xp[s];
      yp[s] = std::max(v, T(0)) + slope * std::min(v, T(0));
    }
  }, S);
}

template <class T>
void prelu_backward_cpu(const T* x, const T* a, const T* gy, T* gx, T* da, int64_t N, int64_t C, int64_t S) {
  // One channel per task: da[c] is summed by a single thread, in a fixed order.
  parallel_for(C, [&](int64_t c) {
    const T slope = a[c];
    double acc = 0;
    for (int64_t n = 0; n < N; ++n) {
      const int64_t o = (n * C + c) * S;
      const T* xp = x + o;
      const T* gp = gy + o;
      if (gx) {
        T* dp = gx + o;
        for (int64_t s = 0; s < S; ++s) {
          const T k = xp[s] > T(0) ? T(1) : slope;  // a select of constants: vectorises
          dp[s] = gp[s] * k;
        }
      }
      if (da) acc += sum_map(S, [xp, gp](int64_t s) { return double(std::min(xp[s], T(0))) * double(gp[s]); });
    }
    if (da) da[c] = T(acc);
  }, N * S);
}

#define KD_INSTANTIATE(T)                                                                             \
  template void relu_forward_cpu<T>(const T*, T*, int64_t);                                           \
  template void add_relu_forward_cpu<T>(const T*, const T*, T*, int64_t);                             \
  template void relu_backward_cpu<T>(const T*, const T*, T*, int64_t);                                \
  template void sigmoid_forward_cpu<T>(const T*, T*, int64_t);                                        \
  template void sigmoid_backward_cpu<T>(const T*, const T*, T*, int64_t);                             \
  template void prelu_forward_cpu<T>(const T*, const T*, T*, int64_t, int64_t, int64_t);              \
  template void prelu_backward_cpu<T>(const T*, const T*, const T*, T*, T*, int64_t, int64_t, int64_t);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
