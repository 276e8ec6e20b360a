#pragma once
// The non-GEMM parts of linear on CUDA: the bias broadcast and the bias gradient.
#include <cstdint>

namespace kd {

// y (N, out) <- bias (out) in every row
template <class T>
void linear_bias_rows_cuda(const T* bias, T* y, int64_t N, int64_t out);

// db (out) <- column sums of g (N, out), summed in row order
template <class T>
void linear_bias_grad_cuda(const T* g, T* db, int64_t N, int64_t out);

// The instantiations linear_cuda.cu provides; the CPU-only stub (matmul_stub.cpp) provides the same.
#define KD_LINEAR_CUDA_INSTANCES(T)                                       \
  template void linear_bias_rows_cuda<T>(const T*, T*, int64_t, int64_t); \
  template void linear_bias_grad_cuda<T>(const T*, T*, int64_t, int64_t);

}  // namespace kd
