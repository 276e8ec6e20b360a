// matmul and linear: shape checks, GEMM calls and their backward (two more GEMMs each).
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/matmul/gemm.h"
#include "kernels/matmul/gemm_cuda.h"
#include "kernels/matmul/linear_cuda.h"
#include "kernels/matmul/matmul.h"

namespace kd {
namespace {

// The gradient flowing in, in the dtype of the op's inputs (a caller may seed float64).
Tensor grad_as(const Tensor& gy, DType dt) { return gy.dtype() == dt ? gy : gy.to(dt); }

// CPU, or CUDA where it is built; anything else is refused before any allocation.
void check_device_supported(const char* op, Device d) {
  if (d.is_cpu()) return;
#ifdef KDFACE_HAVE_CUDA
  if (d.is_cuda()) return;
#endif
  no_device_kernel(op, d);
}

// The GEMM of the operands' device (check_device_supported has vetted it).
template <class T>
void gemm_on(Device dev, bool ta, bool tb, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
             const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (dev.is_cpu()) return gemm<T>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#ifdef KDFACE_HAVE_CUDA
  gemm_cuda<T>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
  no_device_kernel("gemm", dev);
#endif
}

struct MatDims {
  int64_t M, N, K;
};

MatDims matmul_dims(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  check_dim(a, 2, "matmul: a");
  check_dim(b, 2, "matmul: b");
  check_floating(a, "matmul: a");
  check_same_dtype_device(a, b, "matmul: a and b");
  int64_t M = ta ? a.size(1) : a.size(0), K = ta ? a.size(0) : a.size(1);
  int64_t Kb = tb ? b.size(1) : b.size(0), N = tb ? b.size(0) : b.size(1);
  KD_CHECK(K == Kb, "matmul: inner sizes differ: op(a) is (", M, ", ", K, ") from a ", shape_str(a.shape()),
           (ta ? " transposed" : ""), ", op(b) is (", Kb, ", ", N, ") from b ", shape_str(b.shape()),
           (tb ? " transposed" : ""));
  return {M, N, K};
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  MatDims d = matmul_dims(a, b, trans_a, trans_b);
  check_device_supported("matmul", a.device());
  Tensor y = Tensor::empty({d.M, d.N}, a.dtype(), a.device());
  int64_t lda = a.size(1), ldb = b.size(1);
  dispatch_float(a.dtype(), "matmul", [&](auto t) {
    using T = decltype(t);
    gemm_on<T>(a.device(), trans_a, trans_b, d.M, d.N, d.K,
               T(1), a.data<T>(), lda, b.data<T>(), ldb, T(0), y.data<T>(), d.N);
  });
  autograd::record("matmul", {a, b}, {y}, [a = a.detach(), b = b.detach(), trans_a, trans_b, d](const BackwardCtx& c) {
    // y = op(a) op(b), g = dL/dy (M, N): d op(a) = g op(b)^T, d op(b) = op(a)^T g; a stored
    // transposed gets the transpose of that, which swaps the GEMM operands.
    Tensor g = grad_as(c.gy[0], a.dtype());
    Tensor da, db;
    int64_t lda = a.size(1), ldb = b.size(1);
    dispatch_float(a.dtype(), "matmul backward", [&](auto t) {
      using T = decltype(t);
      if (c.need[0]) {
        da = Tensor::empty_like(a);
        if (!trans_a)  // (M, K) = g (M, N) * op(b)^T
          gemm_on<T>(a.device(), false, !trans_b, d.M, d.K, d.N,
                     T(1), g.data<T>(), d.N, b.data<T>(), ldb, T(0), da.data<T>(), d.K);
        else  // (K, M) = op(b) (K, N) * g^T
          gemm_on<T>(a.device(), trans_b, true, d.K, d.M, d.N,
                     T(1), b.data<T>(), ldb, g.data<T>(), d.N, T(0), da.data<T>(), d.M);
      }
      if (c.need[1]) {
        db = Tensor::empty_like(b);
        if (!trans_b)  // (K, N) = op(a)^T * g
          gemm_on<T>(a.device(), !trans_a, false, d.K, d.N, d.M,
                     T(1), a.data<T>(), lda, g.data<T>(), d.N, T(0), db.data<T>(), d.N);
        else  // (N, K) = g^T * op(a)
          gemm_on<T>(a.device(), true, trans_a, d.N, d.K, d.M,
                     T(1), g.data<T>(), d.N, a.data<T>(), lda, T(0), db.data<T>(), d.K);
      }
    });
    return std::vector<Tensor>{da, db};
  });
  return y;
}

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  check_dim(x, 2, "linear: x (N, in)");
  check_dim(w, 2, "linear: w (out, in)");
  check_floating(x, "linear: x");
  check_same_dtype_device(x, w, "linear: x and w");
  int64_t N = x.size(0), in = x.size(1), out = w.size(0);
  KD_CHECK(w.size(1) == in, "linear: w must be (out, in) = (", out, ", ", in, ") for x ", shape_str(x.shape()),
           ", got ", shape_str(w.shape()));
  if (b.defined()) {
    check_shape(b, {out}, "linear: bias (out)");
    check_same_dtype_device(x, b, "linear: x and bias");
  }
  check_device_supported("linear", x.device());
  Tensor y = Tensor::empty({N, out}, x.dtype(), x.device());
  dispatch_float(x.dtype(), "linear", [&](auto t) {
    using T = decltype(t);
    T* yp = y.data<T>();
    T beta = T(0);
    if (b.defined()) {  // rows start as the bias, the GEMM adds x w^T
      const T* bp = b.data<T>();
      if (x.device().is_cpu()) {
        for (int64_t i = 0; i < N; ++i)
          for (int64_t o = 0; o < out; ++o) yp[i * out + o] = bp[o];
      } else {
#ifdef KDFACE_HAVE_CUDA
        linear_bias_rows_cuda<T>(bp, yp, N, out);
#endif
      }
      beta = T(1);
    }
    gemm_on<T>(x.device(), false, true, N, out, in, T(1), x.data<T>(), in, w.data<T>(), in, beta, yp, out);
  });
  std::vector<Tensor> inputs{x, w, b};
  autograd::record("linear", inputs, {y}, [x = x.detach(), w = w.detach(), N, in, out](const BackwardCtx& c) {
    Tensor g = grad_as(c.gy[0], x.dtype());  // (N, out)
    Tensor dx, dw, db;
    dispatch_float(x.dtype(), "linear backward", [&](auto t) {
      using T = decltype(t);
      const T* gp = g.data<T>();
      if (c.need[0]) {  // (N, in) = g (N, out) * w (out, in)
        dx = Tensor::empty_like(x);
        gemm_on<T>(x.device(), false, false, N, in, out, T(1), gp, out, w.data<T>(), in, T(0), dx.data<T>(), in);
      }
      if (c.need[1]) {  // (out, in) = g^T (out, N) * x (N, in)
        dw = Tensor::empty_like(w);
        gemm_on<T>(x.device(), true, false, out, in, N, T(1), gp, out, x.data<T>(), in, T(0), dw.data<T>(), in);
      }
      if (c.need[2]) {  // (out): column sums of g
        db = Tensor::empty({out}, x.dtype(), x.device());
        T* dbp = db.data<T>();
        if (x.device().is_cpu()) {
          for (int64_t o = 0; o < out; ++o) dbp[o] = T(0);
          for (int64_t i = 0; i < N; ++i)
            for (int64_t o = 0; o < out; ++o) dbp[o] += gp[i * out + o];
        } else {
#ifdef KDFACE_HAVE_CUDA
          linear_bias_grad_cuda<T>(gp, dbp, N, out);
#endif
        }
      }
    });
    return std::vector<Tensor>{dx, dw, db};
  });
  return y;
}

}  // namespace kd
