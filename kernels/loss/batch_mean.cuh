#pragma once
// The last step of the CUDA losses: out[0] = T(sum of the n row values / n), one block, a
// fixed-order tree sum (the CPU adds rows in order; both are deterministic).
#include <cstdint>

#include "engine/cuda/common.cuh"

namespace kd::cuda {

template <class T>
__global__ void batch_mean_kernel(const double* __restrict__ rows, int64_t n, T* __restrict__ out) {
  double acc = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) acc += rows[i];
  acc = block_sum(acc);
  if (threadIdx.x == 0) out[0] = T(acc / double(n));
}

}  // namespace kd::cuda
