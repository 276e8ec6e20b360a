#pragma once
// Threshold selection of the two accuracy protocols. Both sweep a fixed grid; instead of one
// pass over the scores per grid value (20,001 x 6,000 for A-SKD) the scores are sorted once
// and two pointers walk the grid, so a fold costs O(n log n + grid size).
//
// A-SKD (CosFace-style evaluation code), scores are cosine similarities:
//   grid      t_j = j / 10000.0, j = -10000 .. 10000 (20,001 values, double division)
//   correct   #{same: s > t} + #{different: s < t}   (both strict: s == t is wrong either way)
//   choice    every grid value reaching the maximum count, averaged (numpy's np.mean of
//             thresholds[accuracy == max]) -- the tied values need not be contiguous.
// insightface (verification.py), scores are squared L2 distances:
//   grid      t_k = k * 0.01, k = 0 .. 399 (np.arange(0, 4, 0.01))
//   correct   #{same: d < t} + #{different: d >= t}   (predict "same" iff d < t)
//   choice    the first grid value reaching the maximum count (np.argmax).
#include <cstdint>
#include <vector>

namespace kd::eval {

std::vector<double> askd_threshold_grid();
std::vector<double> insightface_threshold_grid();

// Correct decisions at one threshold (the protocols' definitions above).
int64_t askd_correct(const std::vector<double>& scores, const std::vector<bool>& same,
                     double threshold);
int64_t insightface_correct(const std::vector<double>& dists, const std::vector<bool>& same,
                            double threshold);

// Correct decisions at every value of an ascending grid, by one sorted sweep.
std::vector<int64_t> askd_correct_on_grid(const std::vector<double>& scores,
                                          const std::vector<bool>& same,
                                          const std::vector<double>& grid);
std::vector<int64_t> insightface_correct_on_grid(const std::vector<double>& dists,
                                                 const std::vector<bool>& same,
                                                 const std::vector<double>& grid);

// The protocols' chosen thresholds on training scores.
double askd_best_threshold(const std::vector<double>& scores, const std::vector<bool>& same);
double insightface_best_threshold(const std::vector<double>& dists,
                                  const std::vector<bool>& same);

}  // namespace kd::eval
