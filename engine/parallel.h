#pragma once
// The one place CPU kernels get threads from (OpenMP when built with it), so kernels carry
// no pragmas and the thread count is controlled in one place (OMP_NUM_THREADS).
#include <cstdint>

namespace kd {

int num_threads();
// For the tools' --threads: every later parallel region uses n threads (no-op without OpenMP).
void set_num_threads(int n);

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

// f(begin, end) over [0, n) in fixed chunks of `chunk` elements, the chunks split across
// threads: long flat loops (elementwise ops) use the threads without per-element calls.
template <class F>
void parallel_for_chunks(int64_t n, F&& f, int64_t chunk = 16384) {
  const int64_t chunks = (n + chunk - 1) / chunk;
  parallel_for(chunks, [&](int64_t k) { f(k * chunk, (k + 1) * chunk < n ? (k + 1) * chunk : n); }, chunk);
}

}  // namespace kd
