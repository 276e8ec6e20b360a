#include "kernels/elementwise/elementwise_cpu.h"

#include <algorithm>

#include "engine/parallel.h"
#include "kernels/reduce/accumulate.h"

namespace kd {
namespace {


int64_t rows_of(const BroadcastDims& d) {
  int64_t r = 1;
  for (size_t k = 0; k + 1 < d.size.size(); ++k) r *= d.size[k];
  return r;
}

// Operand offsets at the start of row r (a row is the last collapsed dimension).
void row_offsets(const BroadcastDims& d, int64_t r, int64_t& o0, int64_t& o1) {
  o0 = o1 = 0;
  for (int64_t k = int64_t(d.size.size()) - 2; k >= 0; --k) {
    int64_t i = r % d.size[size_t(k)];
    r /= d.size[size_t(k)];
    o0 += i * d.s0[size_t(k)];
    o1 += i * d.s1[size_t(k)];
  }
}

// y[i] = f(a[i sa], b[i sb]); the unit / zero stride cases get their own loops to vectorise.
template <class T, class F>
void row_apply(const T* a, int64_t sa, const T* b, int64_t sb, T* y, int64_t n, F f) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bv = b[0];
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const T av = a[0];
    for (int64_t i = 0; i < n; ++i) y[i] = f(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i * sa], b[i * sb]);
  }
}

template <class T, class F>
void forward_impl(const BroadcastDims& d, const T* a, const T* b, T* y, F f) {
  const int64_t inner = d.size.back(), rows = rows_of(d);
  const int64_t sa = d.s0.back(), sb = d.s1.back();
  if (rows * inner == 0) return;
  if (rows == 1) {  // one long row (same shapes): split it
    parallel_for_chunks(inner, [&](int64_t i0, int64_t i1) { row_apply(a + i0 * sa, sa, b + i0 * sb, sb, y + i0, i1 - i0, f); });
    return;
  }
  parallel_for(rows, [&](int64_t r) {
    int64_t o0, o1;
    row_offsets(d, r, o0, o1);
    row_apply(a + o0, sa, b + o1, sb, y + r * inner, inner, f);
  }, inner);
}

}  // namespace

template <class T>
void binary_forward_cpu(const BroadcastDims& d, const T* a, const T* b, T* y, BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return forward_impl(d, a, b, y, [](T u, T v) { return u + v; });
    case BinaryOp::Sub: return forward_impl(d, a, b, y, [](T u, T v) { return u - v; });
    case BinaryOp::Mul: return forward_impl(d, a, b, y, [](T u, T v) { return u * v; });
  }
}

template <class T>
void binary_backward_cpu(const BroadcastDims& d, const T* gy, const T* w, T sign, T* g, int64_t g_numel) {
  const int64_t inner = d.size.back(), rows = rows_of(d);
  const int64_t s0 = d.s0.back(), s1 = d.s1.back();
  const bool reduces = std::find(d.s0.begin(), d.s0.end(), 0) != d.s0.end();
  if (!reduces) {
    // g has the output's layout: g = sign gy w, written once per element.
    if (rows * inner == 0) return;
    if (!w) {
      parallel_for_chunks(rows * inner, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) g[i] = sign * gy[i];
      });
      return;
    }
    auto f = [sign](T u, T v) { return sign * u * v; };
    forward_impl(d, gy, w, g, f);  // gy is read with unit strides like g
    return;
  }
  // Sum into g over its broadcast dimensions; the loop over the last dimension either runs
  // along g (s0 == 1) or reduces into one element (s0 == 0).
  std::fill(g, g + g_numel, T(0));
  if (rows * inner == 0) return;
  auto run_rows = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t o0, o1;
      row_offsets(d, r, o0, o1);
      const T* gp = gy + r * inner;
      if (s0 == 0) {
        double acc;
        if (!w) {
          acc = sum_span(gp, inner);
        } else if (s1 == 0) {
          acc = sum_span(gp, inner) * double(w[o1]);
        } else {
          const T* wp = w + o1;
          acc = sum_map(inner, [gp, wp, s1](int64_t i) { return double(gp[i]) * double(wp[i * s1]); });
        }
        g[o0] += sign * T(acc);
      } else {
        T* dst = g + o0;
        if (!w)
          for (int64_t i = 0; i < inner; ++i) dst[i] += sign * gp[i];
        else
          for (int64_t i = 0; i < inner; ++i) dst[i] += sign * gp[i] * w[o1 + i * s1];
      }
    }
  };
  if (d.size.size() > 1 && d.s0[0] != 0) {
    // The outermost dimension is not broadcast in g: its slices of g are disjoint.
    const int64_t per = rows / d.size[0];
    parallel_for(d.size[0], [&](int64_t i) { run_rows(i * per, (i + 1) * per); }, per * inner);
  } else {
    run_rows(0, rows);
  }
}

template <class T>
void affine_cpu(const T* x, T* y, int64_t n, double alpha, double beta) {
  const T a = T(alpha), b = T(beta);
  parallel_for_chunks(n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i] = a * x[i] + b;
  });
}

template <class T>
void square_forward_cpu(const T* x, T* y, int64_t n) {
  parallel_for_chunks(n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) y[i] = x[i] * x[i];
  });
}

template <class T>
void square_backward_cpu(const T* x, const T* gy, T* gx, int64_t n) {
  parallel_for_chunks(n, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) gx[i] = T(2) * x[i] * gy[i];
  });
}

#define KD_INSTANTIATE(T)                                                                       \
  template void binary_forward_cpu<T>(const BroadcastDims&, const T*, const T*, T*, BinaryOp);  \
  template void binary_backward_cpu<T>(const BroadcastDims&, const T*, const T*, T, T*, int64_t); \
  template void affine_cpu<T>(const T*, T*, int64_t, double, double);                           \
  template void square_forward_cpu<T>(const T*, T*, int64_t);                                   \
  template void square_backward_cpu<T>(const T*, const T*, T*, int64_t);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
