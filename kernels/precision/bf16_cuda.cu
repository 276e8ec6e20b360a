#include "kernels/precision/bf16_cuda.h"

#include <cuda_bf16.h>

#include "engine/cuda/check_cuda.h"

namespace kd {
namespace {

unsigned blocks_for(int64_t n) { return unsigned(n < 256 * 4096 ? (n + 255) / 256 : 4096); }

__global__ void round_bf16_kernel(const float* __restrict__ x, float* __restrict__ y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = __bfloat162float(__float2bfloat16_rn(x[i]));
}

__global__ void f32_to_bf16_kernel(const float* __restrict__ x, __nv_bfloat16* __restrict__ y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = __float2bfloat16_rn(x[i]);
}

}  // namespace

void round_bf16_cuda(const float* x, float* y, int64_t n) {
  if (n == 0) return;
  round_bf16_kernel<<<blocks_for(n), 256>>>(x, y, n);
  KD_CUDA_LAUNCH_CHECK();
}

void f32_to_bf16_cuda(const float* x, void* y, int64_t n) {
  if (n == 0) return;
  f32_to_bf16_kernel<<<blocks_for(n), 256>>>(x, static_cast<__nv_bfloat16*>(y), n);
  KD_CUDA_LAUNCH_CHECK();
}

}  // namespace kd
