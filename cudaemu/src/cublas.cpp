// cuBLAS on the emulated device: argument checks as cuBLAS makes them, then the column-major
// GEMM as the engine's row-major CPU GEMM (C^T = op(B)^T op(A)^T over the same memory, the
// inverse of the swap in kernels/matmul/gemm_cuda.cu). Operands must be device memory that
// something has written; C counts as written afterwards.
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "cublas_v2.h"
#include "engine/check.h"
#include "kd_emu/memory.h"
#include "kernels/matmul/gemm.h"

struct cublasContext {
  cudaStream_t stream = nullptr;
  cublasMath_t math = CUBLAS_DEFAULT_MATH;
};

namespace {

bool valid_op(cublasOperation_t t) { return t == CUBLAS_OP_N || t == CUBLAS_OP_T; }

// The stored (column-major) shapes of A and B, and cuBLAS's checks of a GEMM's arguments.
struct Dims {
  int64_t a_rows, a_cols, b_rows, b_cols, m;
  bool ok;
  Dims(cublasOperation_t ta, cublasOperation_t tb, int m_, int n, int k)
      : a_rows(ta == CUBLAS_OP_N ? m_ : k), a_cols(ta == CUBLAS_OP_N ? k : m_), b_rows(tb == CUBLAS_OP_N ? k : n),
        b_cols(tb == CUBLAS_OP_N ? n : k), m(m_), ok(valid_op(ta) && valid_op(tb) && m_ >= 0 && n >= 0 && k >= 0) {}
  cublasStatus_t check(cublasHandle_t h, int lda, int ldb, int ldc) const {
    if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (!ok || lda < std::max<int64_t>(1, a_rows) || ldb < std::max<int64_t>(1, b_rows) || ldc < std::max<int64_t>(1, m))
      return CUBLAS_STATUS_INVALID_VALUE;
    return CUBLAS_STATUS_SUCCESS;
  }
};

// The column-major operand of `rows` x `cols` (as stored) at p with leading dimension ld.
template <class T>
void require_operand(const T* p, int64_t rows, int64_t cols, int64_t ld, const char* what) {
  if (rows == 0 || cols == 0) return;
  for (int64_t j = 0; j < cols; ++j) kd::emu::check_written(p + j * ld, size_t(rows) * sizeof(T), what);
}

template <class T>
cublasStatus_t gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k, T alpha,
                    const T* A, int lda, const T* B, int ldb, T beta, T* C, int ldc, const char* call) {
  const Dims d(ta, tb, m, n, k);
  if (const cublasStatus_t st = d.check(h, lda, ldb, ldc); st != CUBLAS_STATUS_SUCCESS || m == 0 || n == 0) return st;
  const std::string what = std::string(call) + " reading ";
  if (alpha != T(0) && k > 0) {
    require_operand(A, d.a_rows, d.a_cols, lda, (what + "A").c_str());
    require_operand(B, d.b_rows, d.b_cols, ldb, (what + "B").c_str());
  }
  if (beta != T(0)) require_operand(C, m, n, ldc, (what + "C (beta != 0)").c_str());
  kd::gemm<T>(tb == CUBLAS_OP_T, ta == CUBLAS_OP_T, n, m, k, alpha, B, ldb, A, lda, beta, C, ldc);
  for (int64_t j = 0; j < n; ++j) kd::emu::mark_written(C + j * ldc, size_t(m) * sizeof(T));
  return CUBLAS_STATUS_SUCCESS;
}

template <class T>
cublasStatus_t gemm_batched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                            T alpha, const T* A, int lda, long long sa, const T* B, int ldb, long long sb, T beta,
                            T* C, int ldc, long long sc, int batch, const char* call) {
  if (batch < 0) return CUBLAS_STATUS_INVALID_VALUE;
  for (int i = 0; i < batch; ++i) {
    const cublasStatus_t s = gemm<T>(h, ta, tb, m, n, k, alpha, A + i * sa, lda, B + i * sb, ldb, beta, C + i * sc,
                                     ldc, call);
    if (s != CUBLAS_STATUS_SUCCESS) return s;
  }
  return CUBLAS_STATUS_SUCCESS;
}

// A bf16 column-major operand widened to float32 (exact), packed with leading dimension rows.
std::vector<float> widen_bf16(const void* p, int64_t rows, int64_t cols, int64_t ld, const char* what) {
  const auto* s = static_cast<const uint16_t*>(p);
  std::vector<float> out(size_t(rows * cols));
  for (int64_t j = 0; j < cols; ++j) {
    kd::emu::check_written(s + j * ld, size_t(rows) * 2, what);
    for (int64_t i = 0; i < rows; ++i) {
      const uint32_t u = uint32_t(s[j * ld + i]) << 16;
      std::memcpy(&out[size_t(j * rows + i)], &u, 4);
    }
  }
  return out;
}

}  // namespace

cublasStatus_t cublasCreate(cublasHandle_t* h) {
  *h = new cublasContext;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasDestroy(cublasHandle_t h) {
  delete h;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetStream(cublasHandle_t h, cudaStream_t s) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  h->stream = s;
  return CUBLAS_STATUS_SUCCESS;
}
cublasStatus_t cublasSetMathMode(cublasHandle_t h, cublasMath_t m) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  h->math = m;  // TF32 is not emulated: float32 products stay exact
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta,
                           float* C, int ldc) {
  return gemm<float>(h, ta, tb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc, "cublasSgemm");
}
cublasStatus_t cublasDgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                           const double* alpha, const double* A, int lda, const double* B, int ldb,
                           const double* beta, double* C, int ldc) {
  return gemm<double>(h, ta, tb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc, "cublasDgemm");
}
cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n,
                                         int k, const float* alpha, const float* A, int lda, long long sa,
                                         const float* B, int ldb, long long sb, const float* beta, float* C, int ldc,
                                         long long sc, int batch) {
  return gemm_batched<float>(h, ta, tb, m, n, k, *alpha, A, lda, sa, B, ldb, sb, *beta, C, ldc, sc, batch,
                             "cublasSgemmStridedBatched");
}
cublasStatus_t cublasDgemmStridedBatched(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n,
                                         int k, const double* alpha, const double* A, int lda, long long sa,
                                         const double* B, int ldb, long long sb, const double* beta, double* C,
                                         int ldc, long long sc, int batch) {
  return gemm_batched<double>(h, ta, tb, m, n, k, *alpha, A, lda, sa, B, ldb, sb, *beta, C, ldc, sc, batch,
                              "cublasDgemmStridedBatched");
}

cublasStatus_t cublasGemmEx(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                            const void* alpha, const void* A, cudaDataType_t at, int lda, const void* B,
                            cudaDataType_t bt, int ldb, const void* beta, void* C, cudaDataType_t ct, int ldc,
                            cublasComputeType_t compute, cublasGemmAlgo_t) {
  // The one combination kdface uses: bf16 operands, float32 output and accumulation.
  if (at != CUDA_R_16BF || bt != CUDA_R_16BF || ct != CUDA_R_32F || compute != CUBLAS_COMPUTE_32F)
    return CUBLAS_STATUS_NOT_SUPPORTED;
  const Dims d(ta, tb, m, n, k);
  if (const cublasStatus_t st = d.check(h, lda, ldb, ldc); st != CUBLAS_STATUS_SUCCESS || m == 0 || n == 0) return st;
  // Products of two bf16 values are exact in float32, so widening first changes nothing but
  // the summation order.
  std::vector<float> a = widen_bf16(A, d.a_rows, d.a_cols, lda, "cublasGemmEx reading A");
  std::vector<float> b = widen_bf16(B, d.b_rows, d.b_cols, ldb, "cublasGemmEx reading B");
  const float al = *static_cast<const float*>(alpha), be = *static_cast<const float*>(beta);
  auto* c = static_cast<float*>(C);
  if (be != 0.f) require_operand(c, m, n, ldc, "cublasGemmEx reading C (beta != 0)");
  kd::gemm<float>(tb == CUBLAS_OP_T, ta == CUBLAS_OP_T, n, m, k, al, b.data(), std::max<int64_t>(1, d.b_rows), a.data(),
                  std::max<int64_t>(1, d.a_rows), be, c, ldc);
  for (int64_t j = 0; j < n; ++j) kd::emu::mark_written(c + j * ldc, size_t(m) * sizeof(float));
  return CUBLAS_STATUS_SUCCESS;
}
