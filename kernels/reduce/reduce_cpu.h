#pragma once
// CPU kernels behind reduce.h, templated on float / double. Dimension reductions view x as
// (outer, R, inner) with R the reduced extent; y is (outer, inner).
#include <cstdint>

namespace kd {

// Sum of all n elements in double. Summed in fixed-size blocks whose partial sums are added
// in order, so the result does not depend on the thread count.
template <class T>
double sum_all_cpu(const T* x, int64_t n);
// gx[i] = g for all i (the backward of sum and mean)
template <class T>
void fill_cpu(T* gx, int64_t n, T g);

// y = scale * sum over R
template <class T>
void sum_dim_forward_cpu(const T* x, T* y, int64_t outer, int64_t R, int64_t inner, double scale);
// gx[o, r, i] = scale * gy[o, i]
template <class T>
void sum_dim_backward_cpu(const T* gy, T* gx, int64_t outer, int64_t R, int64_t inner, double scale);

}  // namespace kd
