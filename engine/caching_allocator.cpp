#include "engine/caching_allocator.h"

#include <algorithm>

#include "engine/check.h"

namespace kd {

CachingAllocator::CachingAllocator(RawAlloc raw_alloc, RawFree raw_free, std::string name)
    : raw_alloc_(std::move(raw_alloc)), raw_free_(std::move(raw_free)), name_(std::move(name)) {}

CachingAllocator::~CachingAllocator() {
  std::lock_guard<std::mutex> lock(mu_);
  release_cache_locked();
}

size_t CachingAllocator::size_class(size_t bytes) {
  if (bytes <= 512) return 512;
  // Largest power of two <= bytes, then the next quarter step at or above bytes.
  size_t p = size_t(1) << (63 - __builtin_clzll(static_cast<unsigned long long>(bytes)));
  size_t step = p / 4;
  return (bytes + step - 1) / step * step;
}

void* CachingAllocator::allocate(size_t bytes) {
  const size_t cls = size_class(bytes);
  std::lock_guard<std::mutex> lock(mu_);
  ++st_.allocations;
  void* p = nullptr;
  auto it = free_.find(cls);
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    st_.cached -= cls;
    ++st_.cache_hits;
  } else {
    p = raw_alloc_(cls);
    if (!p && st_.cached > 0) {
      ++st_.oom_retries;
      release_cache_locked();
      p = raw_alloc_(cls);
    }
    KD_CHECK(p, name_, ": out of memory allocating ", bytes, " bytes (size class ", cls, "); in use ", st_.in_use,
             " bytes, peak ", st_.peak_in_use, ", cache already released");
    ++st_.raw_allocs;
    st_.reserved += cls;
    st_.peak_reserved = std::max(st_.peak_reserved, st_.reserved);
  }
  live_[p] = cls;
  st_.in_use += cls;
  st_.peak_in_use = std::max(st_.peak_in_use, st_.in_use);
  return p;
}

void CachingAllocator::deallocate(void* p) {
  if (!p) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.find(p);
  KD_CHECK(it != live_.end(), name_, ": deallocate of a pointer this allocator did not hand out");
  const size_t cls = it->second;
  live_.erase(it);
  st_.in_use -= cls;
  st_.cached += cls;
  free_[cls].push_back(p);
}

void CachingAllocator::release_cache_locked() {
  for (auto& [cls, blocks] : free_) {
    for (void* p : blocks) {
      raw_free_(p, cls);
      ++st_.raw_frees;
      st_.reserved -= cls;
    }
    blocks.clear();
  }
  st_.cached = 0;
}

void CachingAllocator::empty_cache() {
  std::lock_guard<std::mutex> lock(mu_);
  release_cache_locked();
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return st_;
}

void CachingAllocator::reset_peaks() {
  std::lock_guard<std::mutex> lock(mu_);
  st_.peak_in_use = st_.in_use;
  st_.peak_reserved = st_.reserved;
}

}  // namespace kd
