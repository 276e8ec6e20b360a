#pragma once
// ROC curve and TAR at a fixed FAR over all pairs, without interpolation.
//
// Scores are similarities (higher = more likely the same identity; a protocol scoring
// distances passes -d). A threshold t accepts a pair iff s >= t. The curve has one point per
// distinct score u (descending) with
//   FAR(u) = #{different: s >= u} / #different,   TAR(u) = #{same: s >= u} / #same,
// preceded by (0, 0) at t = +infinity (accept nothing). Ties move together: two pairs with
// the same score are never split by a threshold.
//
// TAR@FAR(target): the point of the curve with the largest TAR among those whose FAR is
// <= target (the lowest such threshold, since both rates grow as t falls). No interpolation
// between points: the reported FAR is one the data actually reaches.
#include <cstddef>
#include <vector>

namespace kd::eval {

struct RocCurve {
  std::vector<double> far, tar;
  std::vector<double> threshold;  // similarity threshold of each point; +inf for the first
};

struct TarAtFar {
  double far_target = 0;
  double tar = 0;        // achieved TAR
  double far = 0;        // achieved FAR (<= far_target)
  double threshold = 0;  // similarity threshold; +inf when only "accept nothing" qualifies
};

// Throws unless there is at least one same and one different pair and every score is finite.
RocCurve roc_curve(const std::vector<double>& similarity, const std::vector<bool>& same);

TarAtFar tar_at_far(const RocCurve& roc, double far_target);

// At most max_points (>= 2) points for plotting: indices round(i * (m-1) / (max_points-1)),
// i = 0 .. max_points-1, so the first (0, 0) and last (1, 1) points are always kept.
RocCurve decimate(const RocCurve& roc, size_t max_points);

}  // namespace kd::eval
