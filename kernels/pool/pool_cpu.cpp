#include "kernels/pool/pool_cpu.h"

#include <algorithm>

#include "engine/parallel.h"
#include "kernels/reduce/accumulate.h"

namespace kd {
namespace {

// Strictly greater, so ties keep the first index; a NaN takes over a number so it
// propagates as in PyTorch.
template <class T>
inline bool takes_over(T v, T cur) {
  return v > cur || (v != v && cur == cur);
}

// Index of the first maximum of x[0, n), n >= 1, or of the first NaN if there is one. Two
// passes: the maximum over 8 independent lanes (a single running compare-and-select is one
// long dependency chain), then a scan for the first element equal to it.
template <class T>
int64_t first_max_index(const T* x, int64_t n) {
  T lane[8];
  for (int k = 0; k < 8; ++k) lane[k] = x[0];
  bool nan = false;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) {
      const T v = x[i + k];
      lane[k] = std::max(lane[k], v);
      nan |= v != v;
    }
  T m = lane[0];
  for (int k = 1; k < 8; ++k) m = std::max(m, lane[k]);
  for (; i < n; ++i) {
    m = std::max(m, x[i]);
    nan |= x[i] != x[i];
  }
  int64_t j = 0;
  if (nan)
    while (x[j] == x[j]) ++j;
  else
    while (x[j] != m) ++j;
  return j;
}

}  // namespace

template <class T>
void global_avg_pool_forward_cpu(const T* x, T* y, int64_t N, int64_t C, int64_t S) {
  parallel_for(N * C, [&](int64_t nc) {
    y[nc] = T(sum_span(x + nc * S, S) / double(S));
  }, S);
}

template <class T>
void global_avg_pool_backward_cpu(const T* gy, T* gx, int64_t N, int64_t C, int64_t S) {
  parallel_for(N * C, [&](int64_t nc) {
    const T v = T(double(gy[nc]) / double(S));
    std::fill(gx + nc * S, gx + (nc + 1) * S, v);
  }, S);
}

template <class T>
void global_max_pool_forward_cpu(const T* x, T* y, int64_t* arg, int64_t N, int64_t C, int64_t S) {
  parallel_for(N * C, [&](int64_t nc) {
    const T* xp = x + nc * S;
    const int64_t best = first_max_index(xp, S);
    y[nc] = xp[best];
    arg[nc] = best;
  }, S);
}

template <class T>
void global_max_pool_backward_cpu(const T* gy, const int64_t* arg, T* gx, int64_t N, int64_t C, int64_t S) {
  parallel_for(N * C, [&](int64_t nc) {
    std::fill(gx + nc * S, gx + (nc + 1) * S, T(0));
    gx[nc * S + arg[nc]] = gy[nc];
  }, S);
}

template <class T>
void channel_mean_forward_cpu(const T* x, T* y, int64_t N, int64_t C, int64_t S) {
  // Accumulate whole channel planes into the output row so the inner loop runs along S.
  parallel_for(N, [&](int64_t n) {
    T* yp = y + n * S;
    const T* xp = x + n * C * S;
    std::copy(xp, xp + S, yp);
    for (int64_t c = 1; c < C; ++c)
      for (int64_t s = 0; s < S; ++s) yp[s] += xp[c * S + s];
    const T inv = T(1.0 / double(C));
    for (int64_t s = 0; s < S; ++s) yp[s] *= inv;
  }, C * S);
}

template <class T>
void channel_mean_backward_cpu(const T* gy, T* gx, int64_t N, int64_t C, int64_t S) {
  const T inv = T(1.0 / double(C));
  parallel_for(N * C, [&](int64_t nc) {
    const T* gp = gy + (nc / C) * S;
    T* dp = gx + nc * S;
    for (int64_t s = 0; s < S; ++s) dp[s] = gp[s] * inv;
  }, S);
}

template <class T>
void channel_max_forward_cpu(const T* x, T* y, int64_t* arg, int64_t N, int64_t C, int64_t S) {
  parallel_for(N, [&](int64_t n) {
    T* yp = y + n * S;
    int64_t* ap = arg + n * S;
    const T* xp = x + n * C * S;
    std::copy(xp, xp + S, yp);
    std::fill(ap, ap + S, int64_t(0));
    for (int64_t c = 1; c < C; ++c)
      for (int64_t s = 0; s < S; ++s) {
        const T v = xp[c * S + s];
        if (takes_over(v, yp[s])) {
          yp[s] = v;
          ap[s] = c;
        }
      }
  }, C * S);
}

template <class T>
void channel_max_backward_cpu(const T* gy, const int64_t* arg, T* gx, int64_t N, int64_t C, int64_t S) {
  parallel_for(N, [&](int64_t n) {
    T* dp = gx + n * C * S;
    std::fill(dp, dp + C * S, T(0));
    for (int64_t s = 0; s < S; ++s) dp[arg[n * S + s] * S + s] = gy[n * S + s];
  }, C * S);
}

#define KD_INSTANTIATE(T)                                                                          \
  template void global_avg_pool_forward_cpu<T>(const T*, T*, int64_t, int64_t, int64_t);            \
  template void global_avg_pool_backward_cpu<T>(const T*, T*, int64_t, int64_t, int64_t);           \
  template void global_max_pool_forward_cpu<T>(const T*, T*, int64_t*, int64_t, int64_t, int64_t);  \
  template void global_max_pool_backward_cpu<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t); \
  template void channel_mean_forward_cpu<T>(const T*, T*, int64_t, int64_t, int64_t);               \
  template void channel_mean_backward_cpu<T>(const T*, T*, int64_t, int64_t, int64_t);              \
  template void channel_max_forward_cpu<T>(const T*, T*, int64_t*, int64_t, int64_t, int64_t);      \
  template void channel_max_backward_cpu<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
