// Row-major GEMM: OpenBLAS when present, else our own cache-blocked kernel. The blocked kernel
// (gemm_kernel.inc) is compiled for SSE2, AVX2+FMA and AVX-512 and picked at run time, so a
// portable build still runs the widest vectors the machine has.
#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "engine/parallel.h"
#include "kernels/matmul/dynamic_for.h"
#include "kernels/matmul/gemm.h"
#include "kernels/matmul/scratch.h"

#ifdef KDFACE_HAVE_BLAS
#include <cblas.h>
#endif

namespace kd {

// 16-byte vectors: SSE2 on any x86-64, NEON on ARM.
namespace gemm_base {
#define KD_GEMM_TARGET
#define KD_GEMM_VEC_BYTES 16
#define KD_GEMM_TILE_ROWS 4
#define KD_GEMM_DOT_TILE 3
#include "kernels/matmul/gemm_kernel.inc"
#undef KD_GEMM_TARGET
#undef KD_GEMM_VEC_BYTES
#undef KD_GEMM_TILE_ROWS
#undef KD_GEMM_DOT_TILE
}  // namespace gemm_base

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KD_GEMM_X86_DISPATCH 1
namespace gemm_avx2 {
#define KD_GEMM_TARGET __attribute__((target("avx2,fma")))
#define KD_GEMM_VEC_BYTES 32
#define KD_GEMM_TILE_ROWS 6
#define KD_GEMM_DOT_TILE 3
#include "kernels/matmul/gemm_kernel.inc"
#undef KD_GEMM_TARGET
#undef KD_GEMM_VEC_BYTES
#undef KD_GEMM_TILE_ROWS
#undef KD_GEMM_DOT_TILE
}  // namespace gemm_avx2

namespace gemm_avx512 {
#define KD_GEMM_TARGET __attribute__((target("avx512f,avx2,fma")))
#define KD_GEMM_VEC_BYTES 64
#define KD_GEMM_TILE_ROWS 8
#define KD_GEMM_DOT_TILE 4
#include "kernels/matmul/gemm_kernel.inc"
#undef KD_GEMM_TARGET
#undef KD_GEMM_VEC_BYTES
#undef KD_GEMM_TILE_ROWS
#undef KD_GEMM_DOT_TILE
}  // namespace gemm_avx512
#endif

namespace {

// C = beta * C, where beta == 0 writes zeros without reading C (it may hold garbage).
template <class T>
void scale_c(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    T* row = C + i * ldc;
    if (beta == T(0))
      std::fill(row, row + N, T(0));
    else if (beta != T(1))
      for (int64_t j = 0; j < N; ++j) row[j] *= beta;
  }
}

enum class Isa { Base, AVX2, AVX512 };

Isa detect_isa() {
#ifdef KD_GEMM_X86_DISPATCH
  if (const char* e = std::getenv("KDFACE_GEMM_ISA")) {  // to measure or test a narrower kernel
    if (std::strcmp(e, "base") == 0 || std::strcmp(e, "sse2") == 0) return Isa::Base;
    if (std::strcmp(e, "avx2") == 0) return Isa::AVX2;
  }
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return Isa::AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::AVX2;
#endif
  return Isa::Base;
}

// Dot-product form for A B^T when K dwarfs the output: no packing at all.
bool use_nt_dot(bool ta, bool tb, int64_t M, int64_t N, int64_t K) {
  return !ta && tb && K >= 256 && K >= 4 * std::max(M, N);
}

template <class T>
void nt_dot_serial(int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B, int64_t ldb, T beta,
                   T* C, int64_t ldc) {
  static const Isa isa = detect_isa();
#ifdef KD_GEMM_X86_DISPATCH
  if (isa == Isa::AVX512) return gemm_avx512::gemm_nt_dot(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  if (isa == Isa::AVX2) return gemm_avx2::gemm_nt_dot(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
  gemm_base::gemm_nt_dot(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

template <class T>
void gemm_serial(bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
                 int64_t ldb, T beta, T* C, int64_t ldc) {
  if (use_nt_dot(ta, tb, M, N, K)) return nt_dot_serial(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  static const Isa isa = detect_isa();
#ifdef KD_GEMM_X86_DISPATCH
  if (isa == Isa::AVX512) return gemm_avx512::gemm_serial(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  if (isa == Isa::AVX2) return gemm_avx2::gemm_serial(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
  gemm_base::gemm_serial(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

template <class T>
void gemm_blocked(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                  const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == T(0)) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  // Threads take independent slices of C (columns, or rows when C is tall) from a counter:
  // no barriers inside, and a thread that loses its core to another process holds up only
  // its current slice. Each slice repacks the shared operand: O(MK) against O(MNK / slices).
  double flops = 2.0 * double(M) * double(N) * double(K);
  if (num_threads() <= 1 || flops < 4e6) {
    gemm_serial(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  bool by_cols = N >= M;
  int64_t extent = by_cols ? N : M;
  int64_t unit = by_cols ? 64 : 24;  // a multiple of every ISA's tile width (or height)
  int64_t units = (extent + unit - 1) / unit;
  int64_t slices = std::min(units, 4 * int64_t(num_threads()));
  dynamic_for(slices, [&](int64_t, int64_t t) {
    int64_t s0 = units * t / slices * unit, s1 = std::min(extent, units * (t + 1) / slices * unit);
    if (s1 <= s0) return;
    if (by_cols)
      gemm_serial(trans_a, trans_b, M, s1 - s0, K, alpha, A, lda, trans_b ? B + s0 * ldb : B + s0, ldb, beta, C + s0,
                  ldc);
    else
      gemm_serial(trans_a, trans_b, s1 - s0, N, K, alpha, trans_a ? A + s0 : A + s0 * lda, lda, B, ldb, beta,
                  C + s0 * ldc, ldc);
  });
}

template <class T>
void gemm_nt_rows(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
                  int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    scale_c(M, N, T(0), C, ldc);
    return;
  }
  if (num_threads() <= 1 || 2.0 * double(M) * double(N) * double(K) < 4e6) {
    nt_dot_serial(M, N, K, T(1), A, lda, B, ldb, T(0), C, ldc);
    return;
  }
  const int64_t unit = 12;  // a multiple of every ISA's dot tile (3 or 4 rows)
  int64_t units = (M + unit - 1) / unit, slices = std::min(units, 4 * int64_t(num_threads()));
  dynamic_for(slices, [&](int64_t, int64_t t) {
    int64_t r0 = units * t / slices * unit, r1 = std::min(M, units * (t + 1) / slices * unit);
    if (r1 > r0) nt_dot_serial(r1 - r0, N, K, T(1), A + r0 * lda, lda, B, ldb, T(0), C + r0 * ldc, ldc);
  });
}

#ifdef KDFACE_HAVE_BLAS
namespace {
bool blas_sizes_ok(std::initializer_list<int64_t> v) {
  for (int64_t x : v)
    if (x > INT_MAX) return false;
  return true;
}
void blas_gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
               float beta, float* C, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B,
              ldb, beta, C, ldc);
}
void blas_gemm(bool ta, bool tb, int M, int N, int K, double alpha, const double* A, int lda, const double* B, int ldb,
               double beta, double* C, int ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B,
              ldb, beta, C, ldc);
}
}  // namespace
#endif

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
          int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  // Degenerate products stay here: BLAS rejects the leading dimensions a caller passes for K == 0.
  if (K <= 0 || alpha == T(0)) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
#ifdef KDFACE_HAVE_BLAS
  // A few rows against a long weight matrix (a linear layer at batch 1: r18x's embedding layer
  // is 512 x 50,176) is a matrix-vector product bound by reading the weights once. OpenBLAS
  // 0.3.21 packs the whole weight matrix first, which triples the memory traffic; the dot
  // kernel reads it in place: r18x at 112x112 batch 1 went from 23.5 to 17.9 ms (min of 30).
  if (M <= 8 && use_nt_dot(trans_a, trans_b, M, N, K)) {
    gemm_blocked(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  if (blas_sizes_ok({M, N, K, lda, ldb, ldc})) {
    blas_gemm(trans_a, trans_b, int(M), int(N), int(K), alpha, A, int(lda), B, int(ldb), beta, C, int(ldc));
    return;
  }
#endif
  gemm_blocked(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

const char* gemm_backend_name() {
#ifdef KDFACE_HAVE_BLAS
  return "openblas";
#else
  return "blocked";
#endif
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                          float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*,
                           int64_t, double, double*, int64_t);
template void gemm_nt_rows<float>(int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*,
                                  int64_t);
template void gemm_nt_rows<double>(int64_t, int64_t, int64_t, const double*, int64_t, const double*, int64_t, double*,
                                   int64_t);
template void gemm_blocked<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                                  int64_t, float, float*, int64_t);
template void gemm_blocked<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                   const double*, int64_t, double, double*, int64_t);

}  // namespace kd
