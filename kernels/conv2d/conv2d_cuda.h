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

// The instantiations conv2d_cudnn.cu provides where built with cuDNN (conv2d_forward_cudnn and
// conv2d_backward_cudnn are declared in conv2d_cudnn.h); the stub (conv2d_cudnn_stub.cpp) provides the same.
#define KD_CONV2D_CUDNN_INSTANCES(T)                                                                  \
  template void conv2d_forward_cudnn<T>(const Conv2dDims&, const T*, const T*, const T*, T*, bool);   \
  template void conv2d_backward_cudnn<T>(const Conv2dDims&, const T*, const T*, const T*, T*, T*, T*, \
      bool);

// The instantiations conv2d_cuda.cu provides; the CPU-only stub (conv2d_stub.cpp) provides the same.
#define KD_CONV2D_CUDA_INSTANCES(T)                                                                   \
  template void conv2d_forward_cuda<T>(const Conv2dDims&, const T*, const T*, const T*, T*);          \
  template void conv2d_backward_cuda<T>(const Conv2dDims&, const T*, const T*, const T*, T*, T*, T*);

}  // namespace kd
