#pragma once
// Row-major GEMM on CUDA through cuBLAS, the same contract as gemm.h:
// C = alpha * op(A) * op(B) + beta * C with row strides lda/ldb/ldc. beta == 0 never reads C.
#include <cstdint>

namespace kd {

template <class T>
void gemm_cuda(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
               const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// batch independent GEMMs, matrix i at A + i * stride_a etc. (a stride of 0 shares the matrix).
template <class T>
void gemm_strided_batched_cuda(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                               int64_t lda, int64_t stride_a, const T* B, int64_t ldb, int64_t stride_b, T beta, T* C,
                               int64_t ldc, int64_t stride_c, int64_t batch);

// bf16 autocast (kernels/precision/autocast.h): the same contract with A and B bf16 buffers
// (16-bit values, e.g. a DType::BF16 tensor's storage) and float32 C, through cublasGemmEx
// with float32 accumulation (CUBLAS_COMPUTE_32F): a product of two bf16 values is exact in
// float32, so the result is the float32 GEMM of the bf16 values up to summation order.
void gemm_bf16_cuda(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const void* A,
                    int64_t lda, const void* B, int64_t ldb, float beta, float* C, int64_t ldc);

// The instantiations gemm_cuda.cu provides; the CPU-only stub (matmul_stub.cpp) provides the same.
#define KD_GEMM_CUDA_INSTANCES(T)                                                                         \
  template void gemm_cuda<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*,       \
      int64_t, T, T*, int64_t);                                                                           \
  template void gemm_strided_batched_cuda<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, \
      int64_t, const T*, int64_t, int64_t, T, T*, int64_t, int64_t, int64_t);

}  // namespace kd
