#pragma once
// CUDA kernels behind loss.h, mirroring loss_cpu.h (device pointers, default stream). The
// scalar loss is finished on the device (row partials summed by one block), and backward reads
// the upstream scalar g from device memory, so a training step does not wait on the host.
// Labels are already checked to lie in [0, c) (check_labels runs the device check).
#include <cstdint>

namespace kd {

// As cross_entropy_forward_cpu (lse, row_loss (n) in device memory), plus loss[0] = T(mean of
// row_loss).
template <class T>
void cross_entropy_forward_cuda(const T* z, const int64_t* labels, double* lse, double* row_loss, T* loss, int64_t n,
                                int64_t c);
// gz = (softmax(z) - onehot(labels)) * g[0] / n
template <class T>
void cross_entropy_backward_cuda(const T* z, const int64_t* labels, const double* lse, const T* g, T* gz, int64_t n,
                                 int64_t c);

// loss[0] = T(sum over rows and classes of p (log p - log_q) / n); row_sum (n) is scratch.
template <class T>
void kl_div_forward_cuda(const T* log_q, const T* p, double* row_sum, T* loss, int64_t n, int64_t c);
// As kl_div_backward_cpu with scale = g[0] / n; either output may be null.
template <class T>
void kl_div_backward_cuda(const T* log_q, const T* p, const T* g, T* g_log_q, T* g_p, int64_t n, int64_t c);

// The instantiations cross_entropy_cuda.cu provides; the CPU-only stub (loss_stub.cpp) provides the same.
#define KD_CROSS_ENTROPY_CUDA_INSTANCES(T)                                                             \
  template void cross_entropy_forward_cuda<T>(const T*, const int64_t*, double*, double*, T*, int64_t, \
      int64_t);                                                                                        \
  template void cross_entropy_backward_cuda<T>(const T*, const int64_t*, const double*, const T*, T*,  \
      int64_t, int64_t);

// The instantiations kl_div_cuda.cu provides; the CPU-only stub (loss_stub.cpp) provides the same.
#define KD_KL_DIV_CUDA_INSTANCES(T)                                                              \
  template void kl_div_forward_cuda<T>(const T*, const T*, double*, T*, int64_t, int64_t);       \
  template void kl_div_backward_cuda<T>(const T*, const T*, const T*, T*, T*, int64_t, int64_t);

}  // namespace kd
