#pragma once
// Conversion kernels for bf16 autocast (autocast.h); raw device pointers, default stream.
// Rounding is __float2bfloat16_rn: round to nearest even, NaN stays NaN, no flush to zero,
// bit for bit the CPU's round_bf16 (except that a NaN's payload is not kept).
#include <cstdint>

namespace kd {

// y[i] = round_bf16(x[i]) as float32 (the operand rounding of the conv2d path).
void round_bf16_cuda(const float* x, float* y, int64_t n);

// y[i] = bf16(x[i]), y being n 16-bit bf16 values (a DType::BF16 tensor's storage).
void f32_to_bf16_cuda(const float* x, void* y, int64_t n);

}  // namespace kd
