#pragma once
// Fused CUDA CBAM kernels behind cbam.h (device pointers, default stream), same layouts as
// cbam_cpu.h. The design, passes and bytes moved are in docs/ops/cbam.md.
#include "kernels/cbam/cbam_dims.h"

namespace kd {

// Device scratch for the backward, every buffer fully written before it is read.
struct CbamCudaScratch {
  double* gq;     // (N, S) gradient of the spatial logits
  double* gm;     // (N, 2, S) gradient of [mean, max] maps, the mean part already divided by C
  double* gz;     // (N, C) gradient of the channel logits
  double* gh;     // (N, 2, hidden) gradient of fc1's outputs (relu mask applied)
  double* gpool;  // (N, 2, C) gradient of [avg, max] pooled vectors
};

template <class T>
void cbam_forward_cuda(const CbamDims& d, const T* x, const T* w1, const T* w2, const T* ws, T* y, T* ca, T* sa,
                       const CbamSaved<T>& saved);

// As cbam_backward_cpu; gx, gw1, gw2, gws may be null.
template <class T>
void cbam_backward_cuda(const CbamDims& d, const T* x, const T* w1, const T* w2, const T* ws, const T* ca,
                        const T* sa, const CbamSaved<T>& saved, const T* gy, const T* gca, const T* gsa,
                        const CbamCudaScratch& scratch, T* gx, T* gw1, T* gw2, T* gws);

// The instantiations cbam_cuda.cu provides; the CPU-only stub (cbam_stub.cpp) provides the same.
#define KD_CBAM_CUDA_INSTANCES(T)                                                                           \
  template void cbam_forward_cuda<T>(const CbamDims&, const T*, const T*, const T*, const T*, T*, T*, T*,   \
      const CbamSaved<T>&);                                                                                 \
  template void cbam_backward_cuda<T>(const CbamDims&, const T*, const T*, const T*, const T*, const T*,    \
      const T*, const CbamSaved<T>&, const T*, const T*, const T*, const CbamCudaScratch&, T*, T*, T*, T*);

}  // namespace kd
