#pragma once
// A parallel loop whose threads take items from a shared counter. On a machine shared with
// other processes a thread can lose its core for a whole time slice; with a static split the
// others then wait for it at the end, with a counter they take over its remaining items.
// (A candidate for engine/parallel.h; it lives here until then.)
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "engine/parallel.h"

namespace kd {

// Calls f(t, i) for every i in [0, n), where t < min(num_threads(), n) names the calling
// thread's slot (for per-thread partial results). Items of one slot run in increasing order.
template <class F>
void dynamic_for(int64_t n, F&& f) {
  int64_t nt = std::max<int64_t>(1, std::min<int64_t>(num_threads(), n));
  std::atomic<int64_t> next{0};
  parallel_for(
      nt,
      [&](int64_t t) {
        for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) f(t, i);
      },
      int64_t(1) << 20);
}

inline int64_t dynamic_slots(int64_t n) { return std::max<int64_t>(1, std::min<int64_t>(num_threads(), n)); }

}  // namespace kd
