// The size-class caching allocator behind the CUDA backend, tested over a counting fake of
// the raw allocator (so it runs on any machine; test_cuda_backend covers the real driver).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>

#include "engine/caching_allocator.h"
#include "engine/check.h"

using namespace kd;

namespace {

struct FakeRaw {
  size_t limit = size_t(1) << 40;  // bytes the fake "device" holds
  size_t used = 0;
  int64_t allocs = 0, frees = 0;
  CachingAllocator make() {
    return CachingAllocator(
        [this](size_t n) -> void* {
          if (used + n > limit) return nullptr;
          used += n;
          ++allocs;
          return std::malloc(n);
        },
        [this](void* p, size_t n) {
          used -= n;
          ++frees;
          std::free(p);
        },
        "fake allocator");
  }
};

}  // namespace

TEST_CASE("size classes waste at most a quarter and are monotone", "[allocator]") {
  CHECK(CachingAllocator::size_class(1) == 512);
  CHECK(CachingAllocator::size_class(512) == 512);
  CHECK(CachingAllocator::size_class(513) == 640);  // 512 + 128
  CHECK(CachingAllocator::size_class(1024) == 1024);
  CHECK(CachingAllocator::size_class(1025) == 1280);
  CHECK(CachingAllocator::size_class(3 << 20) == size_t(3) << 20);
  size_t prev = 0;
  for (size_t n = 1; n < (size_t(1) << 22); n = n * 9 / 8 + 1) {
    size_t c = CachingAllocator::size_class(n);
    CHECK(c >= n);
    CHECK(double(c) <= std::max(512.0, 1.25 * double(n)));
    CHECK(c >= prev);
    prev = c;
  }
}

TEST_CASE("a repeated step reaches a steady state without raw allocations", "[allocator]") {
  FakeRaw raw;
  CachingAllocator a = raw.make();
  const std::vector<size_t> step{1000, 4096, 1 << 20, 77, 3 << 20, 4096};
  for (int it = 0; it < 5; ++it) {
    std::vector<void*> live;
    for (size_t n : step) live.push_back(a.allocate(n));
    std::set<void*> distinct(live.begin(), live.end());
    CHECK(distinct.size() == live.size());  // live blocks never alias
    for (void* p : live) a.deallocate(p);
  }
  AllocatorStats s = a.stats();
  CHECK(s.allocations == 5 * int64_t(step.size()));
  CHECK(s.raw_allocs == int64_t(step.size()));  // the first step only
  CHECK(s.cache_hits == 4 * int64_t(step.size()));
  CHECK(s.in_use == 0);
  CHECK(s.cached == s.reserved);
  size_t expect = 0;
  for (size_t n : step) expect += CachingAllocator::size_class(n);
  CHECK(s.peak_in_use == expect);
  CHECK(raw.used == s.reserved);
  a.empty_cache();
  CHECK(raw.used == 0);
  CHECK(a.stats().reserved == 0);
  CHECK(raw.frees == int64_t(step.size()));
}

TEST_CASE("out of memory releases the cache, retries, then names the request", "[allocator]") {
  FakeRaw raw;
  raw.limit = 3 << 20;
  CachingAllocator a = raw.make();
  void* p = a.allocate(2 << 20);
  a.deallocate(p);  // 2 MiB cached
  // 2.5 MiB does not fit beside the cached 2 MiB: the cache goes back, the retry succeeds.
  void* q = a.allocate(5 << 19);
  CHECK(q != nullptr);
  CHECK(a.stats().oom_retries == 1);
  CHECK(a.stats().cached == 0);
  try {
    a.allocate(2 << 20);
    FAIL("allocation beyond the limit succeeded");
  } catch (const Error& e) {
    std::string m = e.what();
    CHECK(m.find("fake allocator") != std::string::npos);
    CHECK(m.find("out of memory allocating 2097152 bytes") != std::string::npos);
  }
  a.deallocate(q);
  CHECK_THROWS_WITH(a.deallocate(&raw), Catch::Contains("did not hand out"));
}
