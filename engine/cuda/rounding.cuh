#pragma once
// Multiply, add and subtract with round-to-nearest intrinsics, for kernels that must round as
// the CPU reference does (SGD, batch-norm folding): nvcc contracts a * b + c into an fma by
// default (one rounding instead of two), so the plain expressions would not round as the CPU
// rule does. The intrinsics are never contracted.

namespace kd::cuda {

__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double sub_rn(double a, double b) { return __dsub_rn(a, b); }

}  // namespace kd::cuda
