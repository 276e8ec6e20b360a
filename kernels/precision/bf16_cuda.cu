#include "kernels/precision/bf16_cuda.h"

#include <cuda_bf16.h>

#include "engine/cuda/common.cuh"

namespace kd {
namespace {
using namespace cuda;

__global__ void round_bf16_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  KD_GRID_STRIDE(i, n) y[i] = __bfloat162float(__float2bfloat16_rn(x[i]));
}

__global__ void f32_to_bf16_kernel(const float* __restrict__ x, __nv_bfloat16* __restrict__ y, int64_t n) {
  KD_GRID_STRIDE(i, n) y[i] = __float2bfloat16_rn(x[i]);
}

}  // namespace

void round_bf16_cuda(const float* x, float* y, int64_t n) {
  if (n == 0) return;
  KD_LAUNCH(round_bf16_kernel, grid_for(n), kThreads, 0, x, y, n);
}

void f32_to_bf16_cuda(const float* x, void* y, int64_t n) {
  if (n == 0) return;
  KD_LAUNCH(f32_to_bf16_kernel, grid_for(n), kThreads, 0, x, static_cast<__nv_bfloat16*>(y), n);
}

}  // namespace kd
