#pragma once
// Mean and standard deviation summed in numpy's order, so that a tie-averaged threshold and
// the reported mean +- std round exactly as the reference Python (np.mean, np.std) does.
// numpy's float64 add-reduction is pairwise: below 8 values a plain loop, up to 128 values
// eight interleaved accumulators combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) plus the
// tail, above that the two halves (split at a multiple of 8) summed recursively.
#include <cstdint>
#include <vector>

namespace kd::eval {

double numpy_pairwise_sum(const double* a, int64_t n);

// np.mean(x); throws on an empty vector.
double numpy_mean(const std::vector<double>& x);

// np.std(x) (ddof = 0, the population standard deviation): sqrt(mean((x - mean(x))^2)).
double numpy_std(const std::vector<double>& x);

}  // namespace kd::eval
