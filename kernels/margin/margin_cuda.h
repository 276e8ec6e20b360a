#pragma once
// CUDA kernels behind margin.h, mirroring margin_cpu.h (device pointers, default stream).
// Instantiated for float and double in margin_cuda.cu.
#include <cstdint>

#include "kernels/margin/margin.h"

namespace kd {

// y = s * cos with target entries s * margin_target_value(cos[i, y_i]); dtarget[i] its slope.
// labels already range-checked.
template <class T>
void margin_forward_cuda(const T* cos, const int64_t* labels, T* y, double* dtarget, int64_t n, int64_t c,
                         const MarginParams& p);
// gcos = s * gy, the target entries times dtarget[i].
template <class T>
void margin_backward_cuda(const int64_t* labels, const double* dtarget, const T* gy, T* gcos, int64_t n, int64_t c,
                          double s);

// The instantiations margin_cuda.cu provides; the CPU-only stub (margin_stub.cpp) provides the same.
#define KD_MARGIN_CUDA_INSTANCES(T)                                                                    \
  template void margin_forward_cuda<T>(const T*, const int64_t*, T*, double*, int64_t, int64_t,        \
      const MarginParams&);                                                                            \
  template void margin_backward_cuda<T>(const int64_t*, const double*, const T*, T*, int64_t, int64_t, \
      double);

}  // namespace kd
