#include "kernels/dropout/dropout_cpu.h"

#include <algorithm>

#include "engine/parallel.h"
#include "kernels/dropout/dropout_mask.h"

namespace kd {

template <class T>
void dropout_apply_cpu(const T* x, T* y, int64_t n, double p, uint64_t seed) {
  const T scale = T(1.0 / (1.0 - p));
  parallel_for_chunks(n, [&](int64_t b, int64_t e) {
    // a 0/1 factor rather than a branch, which would mispredict on a random mask
    for (int64_t i = b; i < e; ++i) y[i] = x[i] * (T(dropout_keep(seed, i, p)) * scale);
  });
}

template void dropout_apply_cpu<float>(const float*, float*, int64_t, double, uint64_t);
template void dropout_apply_cpu<double>(const double*, double*, int64_t, double, uint64_t);

}  // namespace kd
