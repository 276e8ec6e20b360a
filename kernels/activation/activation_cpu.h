#pragma once
// CPU kernels behind activation.h, templated on float / double (instantiated in
// activation_cpu.cpp). Shapes: n elements, or (N, C, S) for prelu with S the flattened
// trailing dimensions.
#include <cstdint>

namespace kd {

template <class T>
void relu_forward_cpu(const T* x, T* y, int64_t n);
// y is relu's output: y > 0 exactly where x > 0, so the input need not be kept.
template <class T>
void relu_backward_cpu(const T* y, const T* gy, T* gx, int64_t n);

template <class T>
void add_relu_forward_cpu(const T* a, const T* b, T* y, int64_t n);

template <class T>
void sigmoid_forward_cpu(const T* x, T* y, int64_t n);
template <class T>
void sigmoid_backward_cpu(const T* y, const T* gy, T* gx, int64_t n);

template <class T>
void prelu_forward_cpu(const T* x, const T* a, T* y, int64_t N, int64_t C, int64_t S);
// gx and da may be null when not wanted; da is the slope gradient summed over N and S.
template <class T>
void prelu_backward_cpu(const T* x, const T* a, const T* gy, T* gx, T* da, int64_t N, int64_t C, int64_t S);

}  // namespace kd
