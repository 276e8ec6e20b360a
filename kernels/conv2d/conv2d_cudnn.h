#pragma once
// cuDNN conv2d, the same contract as conv2d_cuda.h (raw device pointers, NCHW, gradients
// written, a null output pointer skips that gradient). Defined by conv2d_cudnn.cu when kdface
// is built with KDFACE_HAVE_CUDNN, else by a throwing stub (kernels/cuda_stub/); conv2d_op.cpp
// calls it when conv_backend_for() says Cudnn, which it refuses to say in a build without cuDNN.
#include "kernels/conv2d/conv2d_cpu.h"

namespace kd {

// bf16_operands (float32 only; bf16 autocast, kernels/precision/autocast.h): the caller has
// rounded x, w and gy to bf16 values, so the tensor cores may run (TF32 holds a bf16 value
// exactly) with algorithms that multiply the operands as given (no FFT or Winograd
// transforms, whose results TF32 would round). The output is then exact up to summation
// order. Such plans are cached apart from the plain float32 ones.

// y (N, O, Ho, Wo) = conv(x, w) + bias; bias may be null.
template <class T>
void conv2d_forward_cudnn(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y,
                          bool bf16_operands = false);

// Gradients from gy (N, O, Ho, Wo).
template <class T>
void conv2d_backward_cudnn(const Conv2dDims& d, const T* x, const T* w, const T* gy, T* dx, T* dw, T* dbias,
                           bool bf16_operands = false);

}  // namespace kd
