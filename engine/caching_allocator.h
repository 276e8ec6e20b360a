#pragma once
// A size-class caching allocator over a raw allocate/free pair (cudaMalloc/cudaFree for the
// CUDA backend): freed blocks are kept per size class and handed out again, so a training
// step that allocates the same sizes every step reaches a steady state with no calls into
// the driver (cudaMalloc synchronises the device and costs ~100 us). Pure C++ so the logic is
// tested on any machine (tests/test_caching_allocator.cpp); the CUDA backend plugs in the
// driver calls.
//
// Size classes: below 512 B everything is 512 B; above, four classes per power of two
// (1, 1.25, 1.5, 1.75 x 2^k), so a block wastes at most 25 %. A request is served by a cached
// block of its exact class only; no splitting, so there is no fragmentation bookkeeping.
// When the raw allocation fails, the cache is released and the allocation retried once.
// Not stream-aware yet: blocks are reused in program order, right for one stream.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace kd {

struct AllocatorStats {
  size_t in_use = 0;        // bytes in live blocks (size classes, not requests)
  size_t peak_in_use = 0;
  size_t cached = 0;        // bytes in freed blocks kept for reuse
  size_t reserved = 0;      // in_use + cached: what the raw allocator has handed out
  size_t peak_reserved = 0;
  int64_t allocations = 0;  // allocate() calls
  int64_t cache_hits = 0;   // served from the cache
  int64_t raw_allocs = 0;   // calls into the raw allocator
  int64_t raw_frees = 0;
  int64_t oom_retries = 0;  // raw allocation failed, cache released, retried
};

class CachingAllocator {
 public:
  using RawAlloc = std::function<void*(size_t bytes)>;  // nullptr when out of memory
  using RawFree = std::function<void(void* p, size_t bytes)>;

  CachingAllocator(RawAlloc raw_alloc, RawFree raw_free, std::string name);
  ~CachingAllocator();  // returns the cache; live blocks are the owners' business

  // Throws kd::Error naming the allocator, the request and the stats when memory runs out.
  void* allocate(size_t bytes);
  void deallocate(void* p);  // p from allocate(); nullptr is a no-op
  void empty_cache();        // gives every cached block back to the raw allocator
  AllocatorStats stats() const;
  void reset_peaks();

  static size_t size_class(size_t bytes);

 private:
  void release_cache_locked();

  RawAlloc raw_alloc_;
  RawFree raw_free_;
  std::string name_;
  mutable std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;  // size class -> cached blocks
  std::unordered_map<void*, size_t> live_;      // block -> size class
  AllocatorStats st_;
};

}  // namespace kd
