// The CUDA backend as the engine core sees it: allocation, copies, zeroing and gradient
// accumulation. Memory comes from one caching allocator per device (engine/caching_allocator.h),
// so the steady state of a training step makes no cudaMalloc/cudaFree calls.
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/cuda.h"
#include "engine/cuda/common.cuh"
#include "engine/device.h"
#include "engine/dtype.h"
#ifdef KDFACE_CUDA_EMU
#include "kd_emu/memory.h"
#endif

namespace kd {
namespace {

template <class T>
__global__ void add_inplace_kernel(T* __restrict__ d, const T* __restrict__ s, size_t n) {
  KD_GRID_STRIDE(i, int64_t(n)) d[i] += s[i];
}

CachingAllocator& device_allocator(int index) {
  static std::mutex mu;
  static std::vector<std::unique_ptr<CachingAllocator>>* per_device = new std::vector<std::unique_ptr<CachingAllocator>>;
  std::lock_guard<std::mutex> lock(mu);
  if (per_device->size() <= size_t(index)) per_device->resize(size_t(index) + 1);
  auto& a = (*per_device)[size_t(index)];
  if (!a) {
    a = std::make_unique<CachingAllocator>(
        [index](size_t bytes) -> void* {
          KD_CUDA_CHECK(cudaSetDevice(index));
          void* p = nullptr;
          cudaError_t e = cudaMalloc(&p, bytes);
          if (e == cudaErrorMemoryAllocation) {
            cudaGetLastError();  // not sticky: the allocator releases its cache and retries
            return nullptr;
          }
          KD_CUDA_CHECK(e);
          return p;
        },
        [index](void* p, size_t) {
          cudaSetDevice(index);
          cudaFree(p);
        },
        "CUDA device " + std::to_string(index) + " allocator");
  }
  return *a;
}

struct CudaBackend final : Backend {
  void* alloc(size_t nbytes, int index) override {
    void* p = device_allocator(index).allocate(nbytes);
#ifdef KDFACE_CUDA_EMU
    // The emulated device tracks every byte nobody has written yet (poisoned whether or not
    // alloc_poison is on) and makes the size class's slack unaddressable.
    emu::on_block_alloc(p, nbytes, CachingAllocator::size_class(nbytes));
#else
    if (alloc_poison()) KD_CUDA_CHECK(cudaMemset(p, 0xFF, nbytes));
#endif
    return p;
  }
  // Kernels run in order on one stream, so a block freed here may be reused by the next
  // allocation without waiting for the device.
  void free(void* p, size_t, int index) override {
#ifdef KDFACE_CUDA_EMU
    emu::on_block_free(p);
#endif
    device_allocator(index).deallocate(p);
  }
  void memset_zero(void* p, size_t n, int) override { KD_CUDA_CHECK(cudaMemset(p, 0, n)); }
  void copy(void* dst, Device dd, const void* src, Device sd, size_t n) override {
    cudaMemcpyKind kind = dd.is_cuda() ? (sd.is_cuda() ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                                       : (sd.is_cuda() ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost);
    KD_CUDA_CHECK(cudaMemcpy(dst, src, n, kind));
  }
  void add_inplace(void* dst, const void* src, size_t n, int dtype, int) override {
    if (n == 0) return;
    switch (DType(dtype)) {
      case DType::F32:
        KD_LAUNCH(add_inplace_kernel<float>, cuda::grid_for(int64_t(n)), cuda::kThreads, 0, static_cast<float*>(dst),
                  static_cast<const float*>(src), n);
        break;
      case DType::F64:
        KD_LAUNCH(add_inplace_kernel<double>, cuda::grid_for(int64_t(n)), cuda::kThreads, 0, static_cast<double*>(dst),
                  static_cast<const double*>(src), n);
        break;
      default: KD_FAIL("add_inplace on CUDA: unsupported dtype ", dtype_name(DType(dtype)));
    }
  }
};

}  // namespace

namespace cuda {

bool built() { return true; }

int device_count() {
  static int count = [] {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
      cudaGetLastError();  // clear the sticky "no device" error
      return 0;
    }
    if (n > 0) {
      static CudaBackend b;
      register_backend(DeviceType::CUDA, &b);
    }
    return n;
  }();
  return count;
}

bool available() { return device_count() > 0; }

std::string unavailable_reason() {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  cudaGetLastError();
  if (e != cudaSuccess) return std::string("no usable CUDA device: ") + cudaGetErrorString(e);
  return n > 0 ? "" : "no CUDA device present";
}

std::string device_name(int index) {
  if (!available()) return "none";
  cudaDeviceProp p{};
  KD_CUDA_CHECK(cudaGetDeviceProperties(&p, index));
  return p.name;
}

void synchronize() {
  if (available()) KD_CUDA_CHECK(cudaDeviceSynchronize());
}

AllocatorStats allocator_stats(int index) { return available() ? device_allocator(index).stats() : AllocatorStats{}; }

void reset_peak_stats(int index) {
  if (available()) device_allocator(index).reset_peaks();
}

void empty_cache(int index) {
  if (!available()) return;
  synchronize();
  device_allocator(index).empty_cache();
}

}  // namespace cuda
}  // namespace kd
