#include "kernels/dropout/dropout_cpu.h"

#include <algorithm>

#include "engine/parallel.h"
#include "kernels/dropout/dropout_mask.h"

namespace kd {

template <class T>
void dropout_apply_cpu(const T* x, T* y, int64_t n, double p, uint64_t seed) {
  constexpr int64_t kChunk = 16384;
  const T scale = T(1.0 / (1.0 - p));
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  parallel_for(chunks, [&](int64_t k) {
    const int64_t e = std::min(n, (k + 1) * kChunk);
    // a 0/1 factor rather than a branch, which would mispredict on a random mask
    for (int64_t i = k * kChunk; i < e; ++i) y[i] = x[i] * (T(dropout_keep(seed, i, p)) * scale);
  }, kChunk * 4);
}

template void dropout_apply_cpu<float>(const float*, float*, int64_t, double, uint64_t);
template void dropout_apply_cpu<double>(const double*, double*, int64_t, double, uint64_t);

}  // namespace kd
