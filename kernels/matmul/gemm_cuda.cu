// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: the same memory read as
// column-major matrices, so cuBLAS gets the operands swapped and M and N exchanged.
#include "kernels/matmul/gemm_cuda.h"

#include <climits>

#include "engine/cuda/common.cuh"
#include "kernels/matmul/cublas_handle.h"

namespace kd {
namespace {
using namespace cuda;

template <class T>
__global__ void scale_matrix_kernel(T* C, int64_t M, int64_t N, int64_t ldc, T beta) {
  const int64_t total = M * N;
  KD_GRID_STRIDE(i, total) {
    T* c = C + (i / N) * ldc + i % N;
    *c = beta == T(0) ? T(0) : beta * *c;  // beta 0 must not read C (it may be NaN poison)
  }
}

int as_int(int64_t v, const char* what) {
  KD_CHECK(v >= 0 && v <= INT_MAX, "gemm_cuda: ", what, " = ", v, " does not fit cuBLAS's 32-bit int");
  return int(v);
}

cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                         const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta,
                         float* C, int ldc) {
  return cublasSgemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                         const double* alpha, const double* A, int lda, const double* B, int ldb, const double* beta,
                         double* C, int ldc) {
  return cublasDgemm(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
cublasStatus_t gemm_batched_call(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                 const float* alpha, const float* A, int lda, long long sa, const float* B, int ldb,
                                 long long sb, const float* beta, float* C, int ldc, long long sc, int batch) {
  return cublasSgemmStridedBatched(h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
}
cublasStatus_t gemm_batched_call(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                                 const double* alpha, const double* A, int lda, long long sa, const double* B, int ldb,
                                 long long sb, const double* beta, double* C, int ldc, long long sc, int batch) {
  return cublasDgemmStridedBatched(h, ta, tb, m, n, k, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch);
}

// K == 0: cuBLAS rejects the zero leading dimensions that come with it; C = beta C by hand.
template <class T>
void scale_only(int64_t M, int64_t N, T beta, T* C, int64_t ldc, int64_t batch, int64_t stride_c) {
  for (int64_t i = 0; i < batch; ++i)
    KD_LAUNCH(scale_matrix_kernel<T>, grid_for(M * N), kThreads, 0, C + i * stride_c, M, N, ldc, beta);
}

}  // namespace

template <class T>
void gemm_cuda(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
               const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scale_only(M, N, beta, C, ldc, 1, 0);
  KD_CUBLAS_CHECK(gemm_call(cublas_handle(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N,
                            as_int(N, "N"), as_int(M, "M"), as_int(K, "K"), &alpha, B, as_int(ldb, "ldb"), A,
                            as_int(lda, "lda"), &beta, C, as_int(ldc, "ldc")));
}

template <class T>
void gemm_strided_batched_cuda(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A,
                               int64_t lda, int64_t stride_a, const T* B, int64_t ldb, int64_t stride_b, T beta, T* C,
                               int64_t ldc, int64_t stride_c, int64_t batch) {
  if (M == 0 || N == 0 || batch == 0) return;
  if (K == 0) return scale_only(M, N, beta, C, ldc, batch, stride_c);
  KD_CUBLAS_CHECK(gemm_batched_call(cublas_handle(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                                    trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, as_int(N, "N"), as_int(M, "M"),
                                    as_int(K, "K"), &alpha, B, as_int(ldb, "ldb"), stride_b, A, as_int(lda, "lda"),
                                    stride_a, &beta, C, as_int(ldc, "ldc"), stride_c, as_int(batch, "batch")));
}

void gemm_bf16_cuda(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const void* A,
                    int64_t lda, const void* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) return scale_only(M, N, beta, C, ldc, 1, 0);
  KD_CUBLAS_CHECK(cublasGemmEx(cublas_handle(), trans_b ? CUBLAS_OP_T : CUBLAS_OP_N,
                               trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, as_int(N, "N"), as_int(M, "M"), as_int(K, "K"),
                               &alpha, B, CUDA_R_16BF, as_int(ldb, "ldb"), A, CUDA_R_16BF, as_int(lda, "lda"), &beta,
                               C, CUDA_R_32F, as_int(ldc, "ldc"), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

KD_GEMM_CUDA_INSTANCES(float)
KD_GEMM_CUDA_INSTANCES(double)

}  // namespace kd
