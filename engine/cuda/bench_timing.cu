// Event timing and L2 flushing for kdface-bench: kept in the runtime so tools need no CUDA
// headers.
#include <algorithm>

#include "engine/cuda.h"
#include "engine/cuda/check_cuda.h"

namespace kd::cuda {

float time_ms(const std::function<void()>& f) {
  KD_CHECK(available(), "cuda::time_ms: ", unavailable_reason());
  cudaEvent_t a, b;
  KD_CUDA_CHECK(cudaEventCreate(&a));
  KD_CUDA_CHECK(cudaEventCreate(&b));
  KD_CUDA_CHECK(cudaEventRecord(a));
  f();
  KD_CUDA_CHECK(cudaEventRecord(b));
  KD_CUDA_CHECK(cudaEventSynchronize(b));
  float ms = 0;
  KD_CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
  KD_CUDA_CHECK(cudaEventDestroy(a));
  KD_CUDA_CHECK(cudaEventDestroy(b));
  return ms;
}

void flush_l2(int index) {
  KD_CHECK(available(), "cuda::flush_l2: ", unavailable_reason());
  // One buffer per process, twice the L2 (50 MiB on an H100), written with memset so no data
  // a kernel is about to read can still be resident.
  static void* buf = nullptr;
  static size_t bytes = 0;
  if (!buf) {
    int l2 = 0;
    KD_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, index));
    bytes = std::max<size_t>(size_t(l2) * 2, size_t(64) << 20);
    KD_CUDA_CHECK(cudaMalloc(&buf, bytes));
  }
  KD_CUDA_CHECK(cudaMemsetAsync(buf, int(bytes & 0xff), bytes));
}

void mem_info(size_t* free_bytes, size_t* total_bytes) {
  *free_bytes = *total_bytes = 0;
  if (available()) KD_CUDA_CHECK(cudaMemGetInfo(free_bytes, total_bytes));
}

}  // namespace kd::cuda
