#pragma once
// Device helpers shared by every CUDA kernel folder (reduce, softmax, loss, normalize,
// activation, elementwise, conv2d, batchnorm, pool): launch sizes and deterministic warp and
// block reductions. Sums run in
// double like the CPU kernels (rows of tens of thousands of classes lose small terms in a
// float sum), and with a fixed block size the tree order is fixed, so a result does not
// change from run to run (no atomics).
#include <cstdint>

// for (int64_t i ...) over [0, n) with a grid stride; 64-bit so tensors past 2^31 work.
#define KD_GRID_STRIDE(i, n) \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

namespace kd {
namespace cuda_detail {

constexpr int kThreads = 256;  // every kernel here: a multiple of 32, assumed by block_reduce

// Blocks for a grid-stride loop over n elements; capped because each thread loops anyway.
inline unsigned grid_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return unsigned(b < 8192 ? (b > 0 ? b : 1) : 8192);
}

// Blocks for one-block-per-row kernels that loop over rows with a block stride.
inline unsigned grid_rows(int64_t rows) { return unsigned(rows < 65535 ? (rows > 0 ? rows : 1) : 65535); }

struct SumOp {
  __device__ double operator()(double a, double b) const { return a + b; }
};
// fmax, as the CPU kernels: a NaN element does not win the maximum.
struct MaxOp {
  __device__ double operator()(double a, double b) const { return fmax(a, b); }
};

// Sums v over the 32 lanes of a warp; the result is valid in lane 0.
__device__ inline double warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}

// Reduces v over the block; every thread gets the result. All threads of the block must call
// it (it synchronises), and blockDim.x must be a multiple of 32.
template <class Op>
__device__ double block_reduce(double v, Op op, double identity) {
  __shared__ double warp_part[32];
  __shared__ double result;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, o));
  __syncthreads();  // the previous call's readers of warp_part / result are done
  if (lane == 0) warp_part[warp] = v;
  __syncthreads();
  if (warp == 0) {
    const int warps = int(blockDim.x + 31) >> 5;
    v = lane < warps ? warp_part[lane] : identity;
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_down_sync(0xffffffffu, v, o));
    if (lane == 0) result = v;
  }
  __syncthreads();
  return result;
}

__device__ inline double block_sum(double v) { return block_reduce(v, SumOp{}, 0.0); }
__device__ inline double block_max(double v, double identity) { return block_reduce(v, MaxOp{}, identity); }

}  // namespace cuda_detail
}  // namespace kd
