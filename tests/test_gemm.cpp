// gemm (OpenBLAS when built with it) and gemm_blocked (ours) against a naive triple loop:
// odd and empty sizes, every transpose, alpha/beta, and beta == 0 over a C full of NaN;
// then the matmul/linear wrappers' argument checks.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <vector>

#include "engine/autograd.h"
#include "kernels/matmul/gemm.h"
#include "kernels/matmul/matmul.h"

using namespace kd;

namespace {

template <class T>
using GemmFn = void (*)(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, T*, int64_t);

// Row-major with padded leading dimensions, so a kernel that ignores lda/ldb/ldc shows.
template <class T>
void check_one(GemmFn<T> fn, bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, T beta, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(-1, 1);
  int64_t ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
  int64_t lda = ac + 3, ldb = bc + 1, ldc = N + 2;
  std::vector<T> A(size_t(std::max<int64_t>(ar * lda, 1))), B(size_t(std::max<int64_t>(br * ldb, 1)));
  std::vector<T> C(size_t(std::max<int64_t>(M * ldc, 1)));
  for (auto& v : A) v = T(u(rng));
  for (auto& v : B) v = T(u(rng));
  for (auto& v : C) v = beta == T(0) ? std::numeric_limits<T>::quiet_NaN() : T(u(rng));
  std::vector<T> ref = C;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double s = 0;
      for (int64_t p = 0; p < K; ++p)
        s += double(ta ? A[p * lda + i] : A[i * lda + p]) * double(tb ? B[j * ldb + p] : B[p * ldb + j]);
      double c0 = beta == T(0) ? 0.0 : double(beta) * double(C[i * ldc + j]);
      ref[i * ldc + j] = T(double(alpha) * s + c0);
    }
  fn(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  double tol = std::is_same<T, float>::value ? 1e-4 : 1e-11;
  int bad = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      T got = C[i * ldc + j], want = ref[i * ldc + j];
      if (j >= N) {  // padding between rows must be left alone, NaN included
        if (!(std::isnan(got) && std::isnan(want)) && got != want) ++bad;
        continue;
      }
      if (!(std::fabs(double(got) - double(want)) <= tol * (1 + std::sqrt(double(K)) + std::fabs(double(want))))) {
        if (bad++ < 3)
          UNSCOPED_INFO("M=" << M << " N=" << N << " K=" << K << " ta=" << ta << " tb=" << tb << " alpha=" << alpha
                             << " beta=" << beta << " C[" << i << "," << j << "] = " << got << ", want " << want);
      }
    }
  CHECK(bad == 0);
}

template <class T>
void check_all(GemmFn<T> fn) {
  std::mt19937 rng(7);
  const int64_t sizes[][3] = {{0, 0, 0}, {0, 5, 3}, {4, 0, 3}, {3, 5, 0}, {1, 1, 1},   {1, 7, 1},   {7, 1, 9},
                              {5, 3, 2}, {17, 9, 33}, {4, 8, 1}, {33, 65, 17}, {64, 64, 64}, {129, 300, 257},
                              {13, 4100, 3}, {600, 7, 513},
                              // long K, small output: the dot-product path for A B^T (conv weight gradients)
                              {8, 72, 3137}, {3, 5, 1001}, {17, 9, 600}, {1, 1, 256},
                              // a linear layer at batch 1 or 2: threads take slices of the output columns
                              {2, 520, 8200}};
  const T ab[][2] = {{1, 0}, {1, 1}, {T(0.5), T(-2)}, {T(-1.5), 0}, {0, T(0.5)}};
  for (auto& s : sizes)
    for (int t = 0; t < 4; ++t)
      for (auto& a : ab) check_one<T>(fn, t & 1, t & 2, s[0], s[1], s[2], a[0], a[1], rng);
}

template <class T>
double gflops(GemmFn<T> fn, int64_t n) {
  std::vector<T> A(size_t(n * n), T(0.5)), B(size_t(n * n), T(0.25)), C(size_t(n * n));
  fn(false, false, n, n, n, T(1), A.data(), n, B.data(), n, T(0), C.data(), n);  // warm-up
  int reps = 5;
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) fn(false, false, n, n, n, T(1), A.data(), n, B.data(), n, T(0), C.data(), n);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
  return 2.0 * double(n) * n * n / s * 1e-9;
}

}  // namespace

TEST_CASE("gemm_blocked matches a naive product (float)", "[gemm]") { check_all<float>(&gemm_blocked<float>); }
TEST_CASE("gemm_blocked matches a naive product (double)", "[gemm]") { check_all<double>(&gemm_blocked<double>); }
TEST_CASE("gemm matches a naive product (float)", "[gemm]") { check_all<float>(&gemm<float>); }
TEST_CASE("gemm matches a naive product (double)", "[gemm]") { check_all<double>(&gemm<double>); }

TEST_CASE("gemm throughput at 512^3 (printed, not asserted)", "[gemm][timing]") {
  std::cout << "gemm backend " << gemm_backend_name() << ": 512^3 float gemm " << gflops<float>(&gemm<float>, 512)
            << " GFLOP/s, gemm_blocked " << gflops<float>(&gemm_blocked<float>, 512) << " GFLOP/s; double gemm "
            << gflops<double>(&gemm<double>, 512) << ", gemm_blocked " << gflops<double>(&gemm_blocked<double>, 512)
            << " GFLOP/s\n";
}

TEST_CASE("matmul and linear reject bad shapes with clear messages", "[matmul]") {
  Tensor a = Tensor::zeros({3, 4}), b = Tensor::zeros({5, 6});
  CHECK_THROWS_WITH(matmul(a, b), Catch::Contains("inner sizes differ") && Catch::Contains("[5, 6]"));
  CHECK(matmul(a, Tensor::zeros({6, 4}), false, true).shape() == Shape{3, 6});
  CHECK(matmul(a, Tensor::zeros({3, 2}), true, false).shape() == Shape{4, 2});
  CHECK_THROWS_WITH(matmul(Tensor::zeros({3}), b), Catch::Contains("matmul: a") && Catch::Contains("2 dimensions"));
  CHECK_THROWS_WITH(matmul(a, Tensor::zeros({4, 2}, DType::F64)), Catch::Contains("dtype mismatch"));
  Tensor x = Tensor::zeros({2, 4});
  CHECK_THROWS_WITH(linear(x, Tensor::zeros({3, 5}), Tensor()),
                    Catch::Contains("(3, 4)") && Catch::Contains("got [3, 5]"));
  CHECK_THROWS_WITH(linear(x, Tensor::zeros({3, 4}), Tensor::zeros({4})),
                    Catch::Contains("bias") && Catch::Contains("[3]") && Catch::Contains("[4]"));
  CHECK(linear(x, Tensor::zeros({3, 4}), Tensor()).shape() == Shape{2, 3});
}

TEST_CASE("linear with an empty batch or zero inputs", "[matmul]") {
  // K == 0: y is the bias; N == 0: empty output, and the weight gradient is all zeros.
  Tensor w0 = Tensor::zeros({3, 0}).requires_grad_(), b = Tensor::from<float>({1, 2, 3}, {3});
  CHECK(linear(Tensor::zeros({2, 0}), w0, b).to_vector<float>() == std::vector<float>{1, 2, 3, 1, 2, 3});
  Tensor w = Tensor::ones({3, 4}).requires_grad_(), bb = Tensor::ones({3}).requires_grad_();
  Tensor y = linear(Tensor::zeros({0, 4}), w, bb);
  CHECK(y.shape() == Shape{0, 3});
  autograd::backward({y}, {Tensor::zeros({0, 3})});
  CHECK(w.grad().to_vector<float>() == std::vector<float>(12, 0.0f));
  CHECK(bb.grad().to_vector<float>() == std::vector<float>(3, 0.0f));
}
