#include "eval/roc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/check.h"

namespace kd::eval {

RocCurve roc_curve(const std::vector<double>& s, const std::vector<bool>& same) {
  KD_CHECK(s.size() == same.size(), "roc: ", s.size(), " scores but ", same.size(), " labels");
  int64_t n_pos = 0, n_neg = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    KD_CHECK(std::isfinite(s[i]), "roc: score of pair ", i, " is ", s[i], ", expected finite");
    (same[i] ? n_pos : n_neg) += 1;
  }
  KD_CHECK(n_pos > 0 && n_neg > 0, "roc: needs same and different pairs, got ", n_pos,
           " same and ", n_neg, " different");

  std::vector<size_t> order(s.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });

  RocCurve roc;
  roc.far.push_back(0);
  roc.tar.push_back(0);
  roc.threshold.push_back(std::numeric_limits<double>::infinity());
  int64_t ta = 0, fa = 0;
  for (size_t k = 0; k < order.size();) {
    const double u = s[order[k]];
    for (; k < order.size() && s[order[k]] == u; ++k) (same[order[k]] ? ta : fa) += 1;
    roc.far.push_back(static_cast<double>(fa) / static_cast<double>(n_neg));
    roc.tar.push_back(static_cast<double>(ta) / static_cast<double>(n_pos));
    roc.threshold.push_back(u);
  }
  return roc;
}

TarAtFar tar_at_far(const RocCurve& roc, double far_target) {
  KD_CHECK(far_target >= 0 && far_target <= 1, "tar_at_far: target FAR must lie in [0, 1], got ",
           far_target);
  KD_CHECK(!roc.far.empty() && roc.far.size() == roc.tar.size() &&
               roc.far.size() == roc.threshold.size(),
           "tar_at_far: malformed ROC (", roc.far.size(), " FAR, ", roc.tar.size(), " TAR, ",
           roc.threshold.size(), " thresholds)");
  size_t best = 0;  // (0, 0) at +inf always qualifies
  for (size_t i = 0; i < roc.far.size(); ++i)
    if (roc.far[i] <= far_target) best = i;
  TarAtFar r;
  r.far_target = far_target;
  r.tar = roc.tar[best];
  r.far = roc.far[best];
  r.threshold = roc.threshold[best];
  return r;
}

RocCurve decimate(const RocCurve& roc, size_t max_points) {
  KD_CHECK(max_points >= 2, "roc decimate: max_points must be >= 2, got ", max_points);
  const size_t m = roc.far.size();
  if (m <= max_points) return roc;
  RocCurve out;
  const size_t d = max_points - 1;
  for (size_t i = 0; i < max_points; ++i) {
    const size_t k = (i * (m - 1) + d / 2) / d;  // round(i * (m-1) / d)
    out.far.push_back(roc.far[k]);
    out.tar.push_back(roc.tar[k]);
    out.threshold.push_back(roc.threshold[k]);
  }
  return out;
}

}  // namespace kd::eval
