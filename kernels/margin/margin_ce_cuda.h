#pragma once
// CUDA kernels behind margin_ce.h, mirroring margin_ce_cpu.h (device pointers, default
// stream). Instantiated for float and double in margin_ce_cuda.cu. Labels already checked
// (check_labels runs the device check). The scalar loss is finished on the device and
// backward reads the upstream scalar from device memory.
#include <cstdint>

#include "kernels/margin/margin.h"

namespace kd {

// As margin_ce_forward_cpu (lse, row_loss (n) in device memory), plus loss[0] = T(mean of
// row_loss).
template <class T>
void margin_ce_forward_cuda(const T* cos, const int64_t* labels, double* lse, double* row_loss, T* loss, int64_t n,
                            int64_t c, const MarginParams& p);

// As margin_ce_backward_cpu with scale = g[0] / n.
template <class T>
void margin_ce_backward_cuda(const T* cos, const int64_t* labels, const double* lse, const T* g, T* g_cos, int64_t n,
                             int64_t c, const MarginParams& p);

// The instantiations margin_ce_cuda.cu provides; the CPU-only stub (margin_stub.cpp) provides the same.
#define KD_MARGIN_CE_CUDA_INSTANCES(T)                                                                      \
  template void margin_ce_forward_cuda<T>(const T*, const int64_t*, double*, double*, T*, int64_t, int64_t, \
      const MarginParams&);                                                                                 \
  template void margin_ce_backward_cuda<T>(const T*, const int64_t*, const double*, const T*, T*, int64_t,  \
      int64_t, const MarginParams&);

}  // namespace kd
