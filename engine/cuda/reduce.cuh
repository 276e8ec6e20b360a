#pragma once
// Deterministic warp and block reductions for every CUDA kernel, and the one argmax rule.
// Sums run in double like the CPU kernels (rows of tens of thousands of classes lose small
// terms in a float sum), and with a fixed block size the tree order is fixed, so a result
// does not change from run to run (no atomics).
#include <cstdint>

namespace kd::cuda {

struct SumOp {
  __device__ double operator()(double a, double b) const { return a + b; }
};
// fmax, as the CPU kernels: a NaN element does not win the maximum.
struct MaxOp {
  __device__ double operator()(double a, double b) const { return fmax(a, b); }
};

// Sums v over the 32 lanes of a warp; the result is valid in lane 0. All 32 lanes must call it.
__device__ inline double warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}

// Reduces v over the block; every thread gets the result. All threads of the block must call
// it (it synchronises), the block must be one-dimensional and blockDim.x a multiple of 32
// (at most 1024: 32 warps).
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

// The argmax rule of the pooling primitives and fused CBAM (the CPU's, pool_cpu.cpp): the
// first maximum wins, and a NaN takes over a number (the first NaN wins).
//
// Scanning one's own indices in ascending order: strictly greater wins, so ties keep the
// first index; a NaN takes over a number, a later NaN does not take over an earlier one.
template <class T>
__device__ inline bool argmax_takes_over(T v, T cur) {
  return v > cur || (v != v && cur == cur);
}

// Merging candidates from disjoint index sets (lanes, channel groups): "first" compares
// indices. Index < 0 means "no element" and always loses. A total order (NaN above every
// number, then the smaller index), so any merge tree gives the same winner.
template <class T, class I>
__device__ inline bool argmax_beats(T v, I i, T cur, I ci) {
  if (i < 0) return false;
  if (ci < 0) return true;
  const bool vn = v != v, cn = cur != cur;
  if (vn || cn) return vn && (!cn || i < ci);
  return v > cur || (v == cur && i < ci);
}

// Combines each lane's candidate (best, index; index -1 when the lane saw no element) over
// the 32 lanes of a warp with argmax_beats; the winner is valid in lane 0. All 32 lanes must
// call it.
template <class T>
__device__ inline void warp_argmax(T& best, int64_t& index) {
  for (int off = 16; off > 0; off >>= 1) {
    const T ov = __shfl_down_sync(0xffffffffu, best, off);
    const int64_t oi = __shfl_down_sync(0xffffffffu, index, off);
    if (argmax_beats(ov, oi, best, index)) {
      best = ov;
      index = oi;
    }
  }
}

}  // namespace kd::cuda
