// matmul and linear: shape checks, GEMM calls and their backward (two more GEMMs each).
// Under bf16 autocast (kernels/precision/autocast.h) the GEMM operands are bf16-rounded:
// rounded float32 tensors on the CPU, bf16 buffers for cublasGemmEx on CUDA.
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/matmul/gemm.h"
#include "kernels/matmul/gemm_cuda.h"
#include "kernels/matmul/linear_cuda.h"
#include "kernels/matmul/matmul.h"
#include "kernels/precision/autocast.h"
#include "kernels/precision/bf16_cuda.h"

namespace kd {
namespace {

// The gradient flowing in, in the dtype of the op's inputs (a caller may seed float64).
Tensor grad_as(const Tensor& gy, DType dt) { return gy.dtype() == dt ? gy : gy.to(dt); }

// Whether an op on float32/float64 tensors of dtype dt runs with bf16 operands: autocast is
// on (now, at forward time) and the tensors are float32; float64 ignores autocast.
bool use_bf16(DType dt) { return dt == DType::F32 && autocast::bf16_enabled(); }

// A GEMM operand: the tensor itself, or under autocast its bf16 form (a rounded float32
// tensor on the CPU, a DType::BF16 tensor on CUDA). Outside the autograd graph either way.
Tensor operand(const Tensor& t, bool bf16) {
  if (!bf16) return t;
  return on_device(
      t.device(), "bf16 operand", [&] { return autocast::rounded_bf16(t); },
      [&] {
        Tensor o = Tensor::empty(t.shape(), DType::BF16, t.device());
        f32_to_bf16_cuda(t.data<float>(), o.raw_data(), t.numel());
        return o;
      });
}

// C = op(A) op(B) + beta C on C's device, A and B made by operand(., bf16) and C of the op's
// dtype (float32 when bf16). On CUDA under autocast A and B are bf16 buffers (cublasGemmEx).
void gemm_op(bool bf16, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const Tensor& A, int64_t lda,
             const Tensor& B, int64_t ldb, double beta, const Tensor& C, int64_t ldc) {
  dispatch_float(C.dtype(), "gemm", [&](auto t) {
    using T = decltype(t);
    on_device(
        C.device(), "gemm",
        [&] { gemm<T>(ta, tb, M, N, K, T(1), A.data<T>(), lda, B.data<T>(), ldb, T(beta), C.data<T>(), ldc); },
        [&] {
          if (bf16)
            gemm_bf16_cuda(ta, tb, M, N, K, 1.0f, A.raw_data(), lda, B.raw_data(), ldb, float(beta), C.data<float>(),
                           ldc);
          else
            gemm_cuda<T>(ta, tb, M, N, K, T(1), A.data<T>(), lda, B.data<T>(), ldb, T(beta), C.data<T>(), ldc);
        });
  });
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
  const bool bf16 = use_bf16(a.dtype());
  Tensor y = Tensor::empty({d.M, d.N}, a.dtype(), a.device());
  const int64_t lda = a.size(1), ldb = b.size(1);
  // The operands the GEMM reads, kept for the backward (under autocast: their bf16 forms).
  Tensor A = operand(a, bf16).detach(), B = operand(b, bf16).detach();
  gemm_op(bf16, trans_a, trans_b, d.M, d.N, d.K, A, lda, B, ldb, 0.0, y, d.N);
  auto backward = [A, B, dt = a.dtype(), lda, ldb, bf16, trans_a, trans_b, d](const BackwardCtx& c) {
    // y = op(a) op(b), g = dL/dy (M, N): d op(a) = g op(b)^T, d op(b) = op(a)^T g; a stored
    // transposed gets the transpose of that, which swaps the GEMM operands.
    Tensor G = operand(grad_as(c.gy[0], dt), bf16);
    Tensor da, db;
    if (c.need[0]) {
      da = Tensor::empty({trans_a ? d.K : d.M, trans_a ? d.M : d.K}, dt, G.device());
      if (!trans_a)  // (M, K) = g (M, N) * op(b)^T
        gemm_op(bf16, false, !trans_b, d.M, d.K, d.N, G, d.N, B, ldb, 0.0, da, d.K);
      else  // (K, M) = op(b) (K, N) * g^T
        gemm_op(bf16, trans_b, true, d.K, d.M, d.N, B, ldb, G, d.N, 0.0, da, d.M);
    }
    if (c.need[1]) {
      db = Tensor::empty({trans_b ? d.N : d.K, trans_b ? d.K : d.N}, dt, G.device());
      if (!trans_b)  // (K, N) = op(a)^T * g
        gemm_op(bf16, !trans_a, false, d.K, d.N, d.M, A, lda, G, d.N, 0.0, db, d.N);
      else  // (N, K) = g^T * op(a)
        gemm_op(bf16, true, trans_a, d.N, d.K, d.M, G, d.N, A, lda, 0.0, db, d.K);
    }
    return std::vector<Tensor>{da, db};
  };
  autograd::record("matmul", {a, b}, {y}, std::move(backward));
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
  const bool bf16 = use_bf16(x.dtype());
  Tensor y = Tensor::empty({N, out}, x.dtype(), x.device());
  if (b.defined()) {  // rows start as the bias (float32 under autocast too), the GEMM adds x w^T
    dispatch_float(x.dtype(), "linear", [&](auto t) {
      using T = decltype(t);
      T* yp = y.data<T>();
      const T* bp = b.data<T>();
      on_device(
          x.device(), "linear",
          [&] {
            for (int64_t i = 0; i < N; ++i)
              for (int64_t o = 0; o < out; ++o) yp[i * out + o] = bp[o];
          },
          [&] { linear_bias_rows_cuda<T>(bp, yp, N, out); });
    });
  }
  Tensor X = operand(x, bf16).detach(), W = operand(w, bf16).detach();
  gemm_op(bf16, false, true, N, out, in, X, in, W, in, b.defined() ? 1.0 : 0.0, y, out);
  std::vector<Tensor> inputs{x, w, b};
  autograd::record("linear", inputs, {y}, [X, W, dt = x.dtype(), bf16, N, in, out](const BackwardCtx& c) {
    Tensor g = grad_as(c.gy[0], dt);  // (N, out)
    Tensor G = operand(g, bf16);      // the GEMMs' form of g; the bias gradient sums g itself
    Tensor dx, dw, db;
    if (c.need[0]) {  // (N, in) = g (N, out) * w (out, in)
      dx = Tensor::empty({N, in}, dt, g.device());
      gemm_op(bf16, false, false, N, in, out, G, out, W, in, 0.0, dx, in);
    }
    if (c.need[1]) {  // (out, in) = g^T (out, N) * x (N, in)
      dw = Tensor::empty({out, in}, dt, g.device());
      gemm_op(bf16, true, false, out, in, N, G, out, X, in, 0.0, dw, in);
    }
    if (c.need[2]) {  // (out): column sums of g
      db = Tensor::empty({out}, dt, g.device());
      dispatch_float(dt, "linear backward", [&](auto t) {
        using T = decltype(t);
        const T* gp = g.data<T>();
        T* dbp = db.data<T>();
        on_device(
            g.device(), "linear backward",
            [&] {
              for (int64_t o = 0; o < out; ++o) dbp[o] = T(0);
              for (int64_t i = 0; i < N; ++i)
                for (int64_t o = 0; o < out; ++o) dbp[o] += gp[i * out + o];
            },
            [&] { linear_bias_grad_cuda<T>(gp, dbp, N, out); });
      });
    }
    return std::vector<Tensor>{dx, dw, db};
  });
  return y;
}

}  // namespace kd
