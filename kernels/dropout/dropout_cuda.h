#pragma once
// CUDA kernel behind dropout.h, mirroring dropout_cpu.h: the mask comes from dropout_keep
// (dropout_mask.h), so the CPU and CUDA drop exactly the same elements.
#include <cstdint>

namespace kd {

// y[i] = keep(seed, i) ? x[i] / (1 - p) : 0
template <class T>
void dropout_apply_cuda(const T* x, T* y, int64_t n, double p, uint64_t seed);

// The instantiations dropout_cuda.cu provides; the CPU-only stub (dropout_stub.cpp) provides the same.
#define KD_DROPOUT_CUDA_INSTANCES(T)                                            \
  template void dropout_apply_cuda<T>(const T*, T*, int64_t, double, uint64_t);

}  // namespace kd
