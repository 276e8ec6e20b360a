#pragma once
// CPU conv2d kernels (raw pointers, NCHW), shared by conv2d_op.cpp and the tests.
#include <cstdint>

namespace kd {

struct Conv2dDims {
  int64_t N, C, H, W;   // input (N, C, H, W)
  int64_t O, kh, kw;    // weight (O, C / groups, kh, kw)
  int64_t stride, pad, groups;
  int64_t Ho, Wo;       // output (N, O, Ho, Wo)
  bool relu = false;    // forward only: clamp the output at 0 (Conv2dParams::relu)
  int64_t Cg() const { return C / groups; }
  int64_t Og() const { return O / groups; }
  int64_t Kc() const { return Cg() * kh * kw; }  // rows of a group's im2col matrix
  int64_t P() const { return Ho * Wo; }          // output positions per image
};

// y (N, O, Ho, Wo) = conv(x, w) + bias (then max(0, .) when d.relu); bias may be null.
template <class T>
void conv2d_forward_cpu(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y);

// Gradients from gy (N, O, Ho, Wo); a null output pointer skips that gradient. All written, not accumulated.
template <class T>
void conv2d_backward_cpu(const Conv2dDims& d, const T* x, const T* w, const T* gy, T* dx, T* dw, T* dbias);

// Where the threads go (see conv2d_cpu.cpp): across the batch with our single-threaded GEMM,
// or inside each step with a threaded GEMM. Auto: Batch unless the batch is smaller than the
// thread count. For tests and benchmarks; not thread-safe against concurrent convolutions.
enum class Conv2dSplit { Auto, Batch, Inner };
void set_conv2d_split(Conv2dSplit s);

}  // namespace kd
