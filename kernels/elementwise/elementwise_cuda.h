#pragma once
// CUDA kernels behind elementwise.h, mirroring elementwise_cpu.h (device pointers, default
// stream). Instantiated for float and double in elementwise_cuda.cu.
#include <cstdint>

#include "kernels/elementwise/broadcast.h"
#include "kernels/elementwise/elementwise_cpu.h"  // BinaryOp

namespace kd {

// y = a op b over the broadcast d (s0 for a, s1 for b); at most kMaxBroadcastGroups groups.
template <class T>
void binary_forward_cuda(const BroadcastDims& d, const T* a, const T* b, T* y, BinaryOp op);

// g = sign * sum over its broadcast dimensions of gy * w (w read with d.s1; null: w = 1).
template <class T>
void binary_backward_cuda(const BroadcastDims& d, const T* gy, const T* w, T sign, T* g, int64_t g_numel);

template <class T>
void affine_cuda(const T* x, T* y, int64_t n, double alpha, double beta);
template <class T>
void square_forward_cuda(const T* x, T* y, int64_t n);
template <class T>
void square_backward_cuda(const T* x, const T* gy, T* gx, int64_t n);

// The instantiations elementwise_cuda.cu provides; the CPU-only stub (elementwise_stub.cpp) provides the same.
#define KD_ELEMENTWISE_CUDA_INSTANCES(T)                                                           \
  template void binary_forward_cuda<T>(const BroadcastDims&, const T*, const T*, T*, BinaryOp);    \
  template void binary_backward_cuda<T>(const BroadcastDims&, const T*, const T*, T, T*, int64_t); \
  template void affine_cuda<T>(const T*, T*, int64_t, double, double);                             \
  template void square_forward_cuda<T>(const T*, T*, int64_t);                                     \
  template void square_backward_cuda<T>(const T*, const T*, T*, int64_t);

}  // namespace kd
