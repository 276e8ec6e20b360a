#pragma once
// Deterministic block sum for the reduction kernels of conv2d, batchnorm and pool: warp
// shuffles, then one warp over the per-warp sums. The order depends only on blockDim, never
// on timing, so a run reproduces bit for bit. blockDim.x must be a multiple of 32 (<= 1024).
// Every thread of the block must call it; the result is valid in thread 0.

namespace kd {

template <class T>
__device__ inline T warp_sum(T v) {
  for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
  return v;
}

template <class T>
__device__ inline T block_sum(T v) {
  __shared__ T warp_sums[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_sum(v);
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  if (warp == 0) {
    v = lane < int(blockDim.x >> 5) ? warp_sums[lane] : T(0);
    v = warp_sum(v);
  }
  __syncthreads();  // warp_sums may be reused by the next call
  return v;
}

}  // namespace kd
