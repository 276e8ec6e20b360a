#include "kernels/loss/labels_cuda.h"

#include "engine/cuda/common.cuh"

namespace kd {
namespace {
using namespace cuda;

// atomicMin keeps the smallest bad index, so the report names the same sample as the CPU's
// sequential check.
__global__ void first_bad_label_kernel(const int64_t* __restrict__ labels, int64_t n, int64_t c,
                                       unsigned long long* first) {
  KD_GRID_STRIDE(i, n) {
    const int64_t y = labels[i];
    if (y < 0 || y >= c) atomicMin(first, (unsigned long long)i);
  }
}

}  // namespace

int64_t first_bad_label_cuda(const int64_t* labels, int64_t n, int64_t c, int64_t* scratch) {
  if (n == 0) return -1;
  auto* first = reinterpret_cast<unsigned long long*>(scratch);
  KD_CUDA_CHECK(cudaMemset(first, 0xFF, sizeof(unsigned long long)));  // "none" = all ones
  KD_LAUNCH(first_bad_label_kernel, grid_for(n), kThreads, 0, labels, n, c, first);
  unsigned long long host = 0;
  KD_CUDA_CHECK(cudaMemcpy(&host, first, sizeof(host), cudaMemcpyDeviceToHost));
  return host == ~0ULL ? -1 : int64_t(host);
}

}  // namespace kd
