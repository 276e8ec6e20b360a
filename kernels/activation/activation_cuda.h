#pragma once
// CUDA kernels behind activation.h, mirroring activation_cpu.h (same arguments, device
// pointers, default stream). Instantiated for float and double in activation_cuda.cu.
#include <cstdint>

namespace kd {

template <class T>
void relu_forward_cuda(const T* x, T* y, int64_t n);
template <class T>
void add_relu_forward_cuda(const T* a, const T* b, T* y, int64_t n);
template <class T>
void relu_backward_cuda(const T* y, const T* gy, T* gx, int64_t n);

template <class T>
void sigmoid_forward_cuda(const T* x, T* y, int64_t n);
template <class T>
void sigmoid_backward_cuda(const T* y, const T* gy, T* gx, int64_t n);

template <class T>
void prelu_forward_cuda(const T* x, const T* a, T* y, int64_t N, int64_t C, int64_t S);
// gx and da may be null when not wanted.
template <class T>
void prelu_backward_cuda(const T* x, const T* a, const T* gy, T* gx, T* da, int64_t N, int64_t C, int64_t S);

// The instantiations activation_cuda.cu provides; the CPU-only stub (activation_stub.cpp) provides the same.
#define KD_ACTIVATION_CUDA_INSTANCES(T)                                                                  \
  template void relu_forward_cuda<T>(const T*, T*, int64_t);                                             \
  template void add_relu_forward_cuda<T>(const T*, const T*, T*, int64_t);                               \
  template void relu_backward_cuda<T>(const T*, const T*, T*, int64_t);                                  \
  template void sigmoid_forward_cuda<T>(const T*, T*, int64_t);                                          \
  template void sigmoid_backward_cuda<T>(const T*, const T*, T*, int64_t);                               \
  template void prelu_forward_cuda<T>(const T*, const T*, T*, int64_t, int64_t, int64_t);                \
  template void prelu_backward_cuda<T>(const T*, const T*, const T*, T*, T*, int64_t, int64_t, int64_t);

}  // namespace kd
