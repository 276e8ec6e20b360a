#pragma once
// The one place CPU kernels get threads from (OpenMP when built with it), so kernels carry
// no pragmas and the thread count is controlled in one place (OMP_NUM_THREADS).
#include <cstdint>

namespace kd {

int num_threads();

// Calls f(i) for i in [0, n), split across threads when n * cost_per_item is worth it.
template <class F>
void parallel_for(int64_t n, F&& f, int64_t cost_per_item = 1) {
#ifdef _OPENMP
  if (n > 1 && n * cost_per_item >= 32768) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) f(i);
    return;
  }
#endif
  for (int64_t i = 0; i < n; ++i) f(i);
}

}  // namespace kd
