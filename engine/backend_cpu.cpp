// The CPU backend: 64-byte aligned host memory (AVX-512 friendly) and the core's basic loops.
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "engine/check.h"
#include "engine/cuda.h"
#include "engine/device.h"
#include "engine/dtype.h"

namespace kd {
namespace {

// Freed blocks of 64 KiB and more are kept by exact rounded size and handed out again.
// A training step allocates the same activation sizes every step; without the cache glibc
// returns large blocks to the kernel (mmap/munmap) and every step pays the page faults of
// touching them afresh (about 30 % of a tiny-model step on 2 cores). Capped by
// KDFACE_CPU_CACHE_MB (default 4096); above the cap blocks go back to the system.
class BlockCache {
 public:
  static constexpr size_t kMinCached = size_t(64) << 10;
  void* take(size_t rounded) {
    if (rounded < kMinCached) return nullptr;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(rounded);
    if (it == free_.end() || it->second.empty()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    cached_ -= rounded;
    return p;
  }
  bool give(void* p, size_t rounded) {
    if (rounded < kMinCached) return false;
    std::lock_guard<std::mutex> lock(mu_);
    if (cached_ + rounded > cap()) return false;
    free_[rounded].push_back(p);
    cached_ += rounded;
    return true;
  }

 private:
  static size_t cap() {
    static const size_t c = [] {
      const char* e = std::getenv("KDFACE_CPU_CACHE_MB");
      return size_t(e ? std::strtoull(e, nullptr, 10) : 4096) << 20;
    }();
    return c;
  }
  std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
};

BlockCache& block_cache() {
  static BlockCache* c = new BlockCache;  // never destroyed: tensors may outlive static teardown
  return *c;
}

struct CpuBackend final : Backend {
  void* alloc(size_t nbytes, int) override {
    size_t rounded = (nbytes + 63) / 64 * 64;
    void* p = block_cache().take(rounded);
    if (!p) p = std::aligned_alloc(64, rounded);
    KD_CHECK(p, "out of host memory allocating ", nbytes, " bytes");
    if (alloc_poison()) std::memset(p, 0xFF, rounded);
    return p;
  }
  void free(void* p, size_t nbytes, int) override {
    if (!block_cache().give(p, (nbytes + 63) / 64 * 64)) std::free(p);
  }
  void memset_zero(void* p, size_t n, int) override { std::memset(p, 0, n); }
  void copy(void* dst, Device, const void* src, Device, size_t n) override { std::memcpy(dst, src, n); }
  void add_inplace(void* dst, const void* src, size_t n, int dtype, int) override {
    switch (DType(dtype)) {
      case DType::F32: add_loop(static_cast<float*>(dst), static_cast<const float*>(src), n); return;
      case DType::F64: add_loop(static_cast<double*>(dst), static_cast<const double*>(src), n); return;
      default: KD_FAIL("add_inplace: unsupported dtype ", dtype_name(DType(dtype)));
    }
  }
  template <class T>
  static void add_loop(T* d, const T* s, size_t n) {
    for (size_t i = 0; i < n; ++i) d[i] += s[i];
  }
};

Backend* g_backends[2] = {nullptr, nullptr};
bool g_poison = false;

Backend* cpu_instance() {
  static CpuBackend b;
  return &b;
}

}  // namespace

void set_alloc_poison(bool on) { g_poison = on; }
bool alloc_poison() { return g_poison; }

void register_backend(DeviceType t, Backend* b) { g_backends[int(t)] = b; }

bool has_backend(DeviceType t) { return t == DeviceType::CPU || cuda::available(); }

Backend& backend(DeviceType t) {
  if (t == DeviceType::CPU) return *cpu_instance();
  if (!g_backends[int(t)]) cuda::available();  // registers the CUDA backend when a device answers
  KD_CHECK(g_backends[int(t)], "the CUDA backend is not available: ", cuda::unavailable_reason());
  return *g_backends[int(t)];
}

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

}  // namespace kd
