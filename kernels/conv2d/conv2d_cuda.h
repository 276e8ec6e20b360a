#pragma once
// CUDA conv2d, the same contract as conv2d_cpu.h (raw device pointers, NCHW).
#include "kernels/conv2d/conv2d_cpu.h"

namespace kd {

// y (N, O, Ho, Wo) = conv(x, w) + bias; bias may be null.
template <class T>
void conv2d_forward_cuda(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y);

// Gradients from gy (N, O, Ho, Wo); a null output pointer skips that gradient. All written.
template <class T>
void conv2d_backward_cuda(const Conv2dDims& d, const T* x, const T* w, const T* gy, T* dx, T* dw, T* dbias);

}  // namespace kd
