#pragma once
// Launch shapes: the one rule for sizing grids and blocks, used by every kernel in kdface.
//
// Grids are capped (kMaxBlocks) and every kernel launched with one of these grids loops with
// a grid stride (KD_GRID_STRIDE, or `r += gridDim.x` over rows), so the cap never changes a
// result, only how much one block takes on. No reduction here depends on the grid: sums over
// a row run inside one block (a fixed tree for a fixed blockDim.x), so outputs are the same
// from run to run and from device to device.
#include <cstdint>

// for (int64_t i ...) over [0, n) with a grid stride; 64-bit so tensors past 2^31 work.
#define KD_GRID_STRIDE(i, n) \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

namespace kd::cuda {

// Threads per block of the grid-stride, warp-per-row and block-per-row kernels. A multiple of
// 32, which block_reduce and the warp-per-row kernels (reduce.cuh) assume.
constexpr int kThreads = 256;
// Warps in a block of kThreads: the rows a warp-per-row block takes at once.
constexpr int kWarps = kThreads / 32;

// The most blocks any grid here gets. An H100 holds at most 8 blocks of 256 threads on each of
// its 132 SMs (1,056 at once), so 8,192 blocks are several waves: enough to balance the tail,
// and the threads loop over the rest anyway.
constexpr int64_t kMaxBlocks = 8192;

namespace grid_detail {
inline unsigned clamp_blocks(int64_t b) { return unsigned(b < kMaxBlocks ? (b > 0 ? b : 1) : kMaxBlocks); }
}  // namespace grid_detail

// Blocks of kThreads for a grid-stride loop over n elements (at least 1: an empty grid is not
// a launch).
inline unsigned grid_for(int64_t n) { return grid_detail::clamp_blocks((n + kThreads - 1) / kThreads); }

// Blocks of kThreads when each warp takes one row (kWarps rows per block, warp-uniform loop
// over the rest).
inline unsigned warp_grid(int64_t rows) { return grid_detail::clamp_blocks((rows + kWarps - 1) / kWarps); }

// Blocks for one-block-per-row kernels that loop over the rows with a block stride.
inline unsigned grid_rows(int64_t rows) { return grid_detail::clamp_blocks(rows); }

// Threads for a block whose threads split `work` items (the direct convolutions: one thread
// per output or input pixel of a plane): enough warps to cover it, a multiple of 32 in
// [32, 256], so small planes do not leave most of a 256-thread block idle.
inline int threads_for(int64_t work) {
  const int64_t t = (work + 31) / 32 * 32;
  return int(t < 32 ? 32 : (t > kThreads ? kThreads : t));
}

// Largest block the row kernels of the fused losses are compiled for (__launch_bounds__):
// block_reduce handles up to 32 warps.
constexpr int kRowThreadsMax = 1024;

// Threads for a row of `units` loads (float4s or scalars) in the one-block-per-row kernels of
// the fused losses (kernels/kd_kl, kernels/margin): about two loads per thread, a multiple of
// 32 in [32, 1024]. At the issue's shape (128 rows of 10,572 classes, 2,643 float4s) a block
// is 1024 threads, and with 128 blocks on 132 SMs each SM holds one block: the block alone has
// to keep enough loads in flight to approach HBM bandwidth. Depends only on the row length, so
// the reduction tree (and the result) is the same from run to run.
inline int row_threads(int64_t units) {
  int64_t t = (units / 2 + 31) / 32 * 32;
  if (t < 32) t = 32;
  if (t > kRowThreadsMax) t = kRowThreadsMax;
  return int(t);
}

// float4 loads need 16-byte aligned rows: the base pointer aligned and c a multiple of 4.
inline bool rows_aligned16(const void* p, int64_t c) {
  return (reinterpret_cast<uintptr_t>(p) & 15u) == 0 && c % 4 == 0;
}

}  // namespace kd::cuda
