#include "eval/numpy_stats.h"

#include <cmath>

#include "engine/check.h"

namespace kd::eval {

double numpy_pairwise_sum(const double* a, int64_t n) {
  if (n < 8) {
    double r = -0.0;  // numpy starts from -0 so that a sum of -0 values stays -0
    for (int64_t i = 0; i < n; ++i) r += a[i];
    return r;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    int64_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  int64_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_pairwise_sum(a, n2) + numpy_pairwise_sum(a + n2, n - n2);
}

double numpy_mean(const std::vector<double>& x) {
  KD_CHECK(!x.empty(), "numpy_mean: empty input");
  return numpy_pairwise_sum(x.data(), static_cast<int64_t>(x.size())) /
         static_cast<double>(x.size());
}

double numpy_std(const std::vector<double>& x) {
  const double m = numpy_mean(x);
  std::vector<double> sq(x.size());
  for (size_t i = 0; i < x.size(); ++i) sq[i] = (x[i] - m) * (x[i] - m);
  return std::sqrt(numpy_mean(sq));
}

}  // namespace kd::eval
