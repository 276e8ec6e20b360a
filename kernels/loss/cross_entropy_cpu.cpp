#include <cmath>

#include "engine/parallel.h"
#include "kernels/loss/loss_cpu.h"

namespace kd {

// One pass per row fuses log-softmax and the negative log-likelihood: only the row's
// log-sum-exp is kept (for backward), never the (n, c) log-probabilities.
template <class T>
void cross_entropy_forward_cpu(const T* z, const int64_t* labels, double* lse, double* row_loss, int64_t n,
                               int64_t c) {
  parallel_for(
      n,
      [&](int64_t i) {
        const T* zi = z + i * c;  // (c)
        double mx = double(zi[0]);
        for (int64_t j = 1; j < c; ++j) mx = std::fmax(mx, double(zi[j]));
        double sum = 0;  // every term <= 1 after the max shift, the largest exactly 1
        for (int64_t j = 0; j < c; ++j) sum += std::exp(double(zi[j]) - mx);
        const double l = mx + std::log(sum);
        lse[i] = l;
        row_loss[i] = l - double(zi[labels[i]]);
      },
      4 * c);
}

template <class T>
void cross_entropy_backward_cpu(const T* z, const int64_t* labels, const double* lse, double g, T* gz, int64_t n,
                                int64_t c) {
  const double scale = g / double(n);
  parallel_for(
      n,
      [&](int64_t i) {
        const T* zi = z + i * c;  // (c)
        T* gzi = gz + i * c;      // (c)
        const double l = lse[i];
        for (int64_t j = 0; j < c; ++j) gzi[j] = T(std::exp(double(zi[j]) - l) * scale);
        const int64_t y = labels[i];
        gzi[y] = T((std::exp(double(zi[y]) - l) - 1.0) * scale);  // p - 1 formed in double, not from a rounded p
      },
      4 * c);
}

template void cross_entropy_forward_cpu<float>(const float*, const int64_t*, double*, double*, int64_t, int64_t);
template void cross_entropy_forward_cpu<double>(const double*, const int64_t*, double*, double*, int64_t, int64_t);
template void cross_entropy_backward_cpu<float>(const float*, const int64_t*, const double*, double, float*, int64_t,
                                                int64_t);
template void cross_entropy_backward_cpu<double>(const double*, const int64_t*, const double*, double, double*,
                                                 int64_t, int64_t);

}  // namespace kd
