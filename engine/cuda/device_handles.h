#pragma once
// One library handle per CUDA device (cuBLAS, cuDNN), created on first use on that device and
// kept for the process. The handles are never destroyed: destroying them at exit races the
// CUDA runtime's own teardown (the runtime may already have released the context when static
// destructors run). So the cache itself is created with `new` and never deleted:
//
//   cublasHandle_t cublas_handle() {
//     static auto* handles = new kd::cuda::PerDeviceHandles<cublasHandle_t>;  // leaked on purpose
//     return handles->get([] { cublasHandle_t h; ...create...; return h; });
//   }
#include <cstddef>
#include <mutex>
#include <vector>

#include "engine/cuda/check_cuda.h"

namespace kd::cuda {

template <class H>
class PerDeviceHandles {
 public:
  // The handle of the current device (cudaGetDevice); `create()` (returning H, throwing on
  // failure) makes it on first use. A failed create stores nothing, so the next call retries.
  // Thread-safe: creation runs under the cache's mutex.
  template <class Create>
  H get(Create&& create) {
    int dev = 0;
    KD_CUDA_CHECK(cudaGetDevice(&dev));
    std::lock_guard<std::mutex> lock(mu_);
    if (handles_.size() <= size_t(dev)) handles_.resize(size_t(dev) + 1, H{});
    H& h = handles_[size_t(dev)];
    if (!h) h = create();
    return h;
  }

 private:
  std::mutex mu_;
  std::vector<H> handles_;  // indexed by device; H{} (null) until created
};

}  // namespace kd::cuda
