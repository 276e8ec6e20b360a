#pragma once
// Row-major CPU GEMM: C = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
// A is M x K after op, B is K x N after op; lda/ldb/ldc are row strides of the stored matrices.
// OpenBLAS when built with it (KDFACE_HAVE_BLAS), else gemm_blocked.
#include <cstdint>

namespace kd {

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc);

// Our own cache-blocked GEMM: the fallback where no BLAS is present; tested on its own.
template <class T>
void gemm_blocked(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                  const T* B, int64_t ldb, T beta, T* C, int64_t ldc);

// C = A B^T with A (M x K) and B (N x K) read in place, threads over the rows of A. For a
// weight matrix A against a few columns (a convolution at batch 1 on a small map): the weights
// are streamed once, where a packing GEMM copies them first.
template <class T>
void gemm_nt_rows(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
                  int64_t ldc);

const char* gemm_backend_name();  // "openblas" or "blocked"

}  // namespace kd
