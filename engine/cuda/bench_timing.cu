// Event timing and L2 flushing for kdface-bench: kept in the runtime so tools need no CUDA
// headers.
#include <algorithm>
#include <utility>
#include <vector>

#include "engine/cuda.h"
#include "engine/cuda/check_cuda.h"

namespace kd::cuda {

float time_ms(const std::function<void()>& f) {
  KD_CHECK(available(), "cuda::time_ms: ", unavailable_reason());
  // Created once per thread and reused, so a throwing f() leaks nothing.
  struct Events {
    cudaEvent_t a = nullptr, b = nullptr;
    Events() {
      KD_CUDA_CHECK(cudaEventCreate(&a));
      KD_CUDA_CHECK(cudaEventCreate(&b));
    }
  };
  thread_local Events ev;
  KD_CUDA_CHECK(cudaEventRecord(ev.a));
  f();
  KD_CUDA_CHECK(cudaEventRecord(ev.b));
  KD_CUDA_CHECK(cudaEventSynchronize(ev.b));
  float ms = 0;
  KD_CUDA_CHECK(cudaEventElapsedTime(&ms, ev.a, ev.b));
  return ms;
}

void flush_l2(int index) {
  KD_CHECK(available(), "cuda::flush_l2: ", unavailable_reason());
  // One buffer per device, at least twice its L2 (50 MiB on an H100), written with memset so
  // no data a kernel is about to read can still be resident. Allocated on device `index`.
  KD_CHECK(index >= 0 && index < device_count(), "cuda::flush_l2: no device ", index);
  static std::vector<std::pair<void*, size_t>> bufs(size_t(device_count()), {nullptr, 0});
  int prev = 0;
  KD_CUDA_CHECK(cudaGetDevice(&prev));
  KD_CUDA_CHECK(cudaSetDevice(index));
  auto& [buf, bytes] = bufs[size_t(index)];
  if (!buf) {
    int l2 = 0;
    KD_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, index));
    bytes = std::max<size_t>(size_t(l2) * 2, size_t(64) << 20);
    KD_CUDA_CHECK(cudaMalloc(&buf, bytes));
  }
  KD_CUDA_CHECK(cudaMemsetAsync(buf, int(bytes & 0xff), bytes));
  KD_CUDA_CHECK(cudaSetDevice(prev));
}

void mem_info(size_t* free_bytes, size_t* total_bytes) {
  *free_bytes = *total_bytes = 0;
  if (available()) KD_CUDA_CHECK(cudaMemGetInfo(free_bytes, total_bytes));
}

}  // namespace kd::cuda
