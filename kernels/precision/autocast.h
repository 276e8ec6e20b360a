#pragma once
// bf16 autocast for the tensor-core ops, as PyTorch's torch.autocast(dtype=torch.bfloat16):
// inside a Bf16Scope, conv2d, linear and matmul take float32 tensors, multiply bf16-ROUNDED
// operands with float32 accumulation and return float32. Everything else (BatchNorm,
// softmax, losses, reductions, SGD, the master weights) stays float32, and no bf16 tensor is
// ever seen outside those three ops.
//
// The oracle (what the CPU computes exactly, and the CUDA paths up to summation order):
//   op(a, b, bias) = fp32_op(rounded_bf16(a), rounded_bf16(b), bias)   (bias not rounded)
//   backward:  grad_a = fp32 grad from rounded_bf16(gy) and the saved rounded_bf16(b),
//              grad_b likewise with rounded_bf16(a); grad_bias = fp32 sums of gy (not rounded).
// Outputs and gradients are float32 and are NOT rounded to bf16. The op records at forward
// time whether autocast was on, so a backward run outside the scope still rounds.
// float64 tensors ignore autocast entirely (the finite-difference checks stay exact).
//
// How the CUDA paths meet the oracle:
// - matmul / linear: the operands are converted to bf16 buffers (__float2bfloat16_rn) and
//   multiplied by cublasGemmEx (bf16 A and B, float32 C, CUBLAS_COMPUTE_32F). A product of
//   two bf16 values is exact in float32, so only the summation order differs from the CPU.
// - conv2d: cuDNN's legacy API has no bf16-in / float32-out configuration (BFLOAT16 x, w and
//   y all bf16), and a bf16 y would add a rounding of the output that the GEMMs do not have
//   and that CPU and GPU would not agree on (a sum near a rounding boundary flips to the
//   neighbouring bf16 value, a 2^-8 relative difference, far outside the parity tolerance).
//   So x, w (and gy in the backward) are rounded to bf16 values kept in float32 storage and
//   the float32 convolution runs on them with the tensor cores allowed: TF32 has a 10-bit
//   mantissa and bf16's 7 bits fit into it, so the tensor cores see the bf16 operands
//   exactly, and their products are exact in the float32 accumulator. Algorithms that
//   transform the operands before multiplying (FFT, Winograd) are excluded, since their
//   transformed values would be rounded to TF32. With the native backend the same rounded
//   operands go through our float32 kernels. Either way the output is the oracle's up to
//   summation order. (The cost: the convolution still reads float32 activations, so it does
//   not get bf16's halved memory traffic; TF32 tensor throughput is half of bf16's.)
#include "engine/tensor.h"

namespace kd::autocast {

bool bf16_enabled();  // thread-local flag, default off

// RAII: sets the flag to `on` for the scope, restores the previous value on exit. Nests.
class Bf16Scope {
 public:
  explicit Bf16Scope(bool on = true);
  ~Bf16Scope();
  Bf16Scope(const Bf16Scope&) = delete;
  Bf16Scope& operator=(const Bf16Scope&) = delete;

 private:
  bool prev_;
};

// Round-to-nearest-even to bfloat16, kept in float32 storage (the CPU emulation of a bf16
// operand). NaN stays NaN (quiet), inf stays inf, values beyond the largest bf16 (about
// 3.39e38) round to inf, subnormals round like any other value (no flush to zero).
float round_bf16(float x);

// Elementwise round_bf16 of a float32 tensor on any device (a CPU loop or a CUDA kernel),
// as a new float32 tensor outside the autograd graph. Any other dtype is an error.
Tensor rounded_bf16(const Tensor& x);

}  // namespace kd::autocast
