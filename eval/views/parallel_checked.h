#pragma once
// kd::parallel_for for per-image work that may throw (a corrupt JPEG): an exception must not
// leave an OpenMP region, so each item's error is caught, and the one of the lowest index is
// rethrown afterwards -- the same message whatever the thread count.
#include <cstdint>
#include <exception>
#include <mutex>

#include "engine/parallel.h"

namespace kd::eval {

template <class F>
void parallel_checked(int64_t n, F&& f, int64_t cost_per_item = 1 << 16) {
  std::mutex mu;
  int64_t first = -1;
  std::exception_ptr err;
  kd::parallel_for(
      n,
      [&](int64_t i) {
        try {
          f(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (first < 0 || i < first) {
            first = i;
            err = std::current_exception();
          }
        }
      },
      cost_per_item);
  if (err) std::rethrow_exception(err);
}

}  // namespace kd::eval
