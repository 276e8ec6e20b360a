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

}  // namespace kd
