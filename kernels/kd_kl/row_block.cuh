#pragma once
// Launch shape of the one-block-per-row kernels of the fused losses (kd_kl_cuda.cu,
// kernels/margin/margin_ce_cuda.cu).
#include <cstdint>

namespace kd {
namespace cuda_detail {

// Largest block the row kernels are compiled for (__launch_bounds__): block_reduce handles up
// to 32 warps.
constexpr int kRowThreadsMax = 1024;

// Threads for a row of `units` loads (float4s or scalars): about two loads per thread, a
// multiple of 32 in [32, 1024]. At the issue's shape (128 rows of 10,572 classes, 2,643
// float4s) a block is 1024 threads, and with 128 blocks on 132 SMs each SM holds one block:
// the block alone has to keep enough loads in flight to approach HBM bandwidth. Depends only
// on the row length, so the reduction tree (and the result) is the same from run to run.
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

}  // namespace cuda_detail
}  // namespace kd
