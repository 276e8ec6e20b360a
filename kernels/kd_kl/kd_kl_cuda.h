#pragma once
// CUDA kernels behind kd_kl.h, mirroring kd_kl_cpu.h (device pointers, default stream).
// Instantiated for float and double in kd_kl_cuda.cu. The scalar loss is finished on the
// device and backward reads the upstream scalar from device memory: no host round trip.
#include <cstdint>

namespace kd {

// As kd_kl_forward_cpu; row (n) is scratch (it receives t2 * row_kl), and
// loss[0] = T(sum of row / n). lse_s, lse_t (n) are kept for backward.
template <class T>
void kd_kl_forward_cuda(const T* z_s, const T* z_t, double inv_t, double t2, double* lse_s, double* lse_t,
                        double* row, T* loss, int64_t n, int64_t c);

// g_zs = g[0] * t_over_n * (softmax(z_s * inv_t) - softmax(z_t * inv_t)); t_over_n = T / n.
template <class T>
void kd_kl_backward_cuda(const T* z_s, const T* z_t, double inv_t, const double* lse_s, const double* lse_t,
                         const T* g, double t_over_n, T* g_zs, int64_t n, int64_t c);

// The instantiations kd_kl_cuda.cu provides; the CPU-only stub (kd_kl_stub.cpp) provides the same.
#define KD_KD_KL_CUDA_INSTANCES(T)                                                                         \
  template void kd_kl_forward_cuda<T>(const T*, const T*, double, double, double*, double*, double*, T*,   \
      int64_t, int64_t);                                                                                   \
  template void kd_kl_backward_cuda<T>(const T*, const T*, double, const double*, const double*, const T*, \
      double, T*, int64_t, int64_t);

}  // namespace kd
