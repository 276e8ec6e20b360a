#include "eval/verification_common.h"

#include <cmath>

#include "engine/check.h"
#include "eval/numpy_stats.h"

namespace kd::eval {

double VerificationResult::tar_at(double far_target) const {
  for (const TarAtFar& t : tar_at_far)
    if (t.far_target == far_target) return t.tar;
  KD_FAIL("verification result (", protocol, "): no TAR at FAR ", far_target,
          " was computed; add it to VerificationOptions::far_targets");
}

namespace detail {

void check_inputs(const PairSet& pairs, const Embeddings& a, const Embeddings& a_flip,
                  const Embeddings& b, const Embeddings& b_flip, const VerificationOptions& opt) {
  check_pair_set(pairs, opt.n_folds);
  const int64_t n = pairs.size();
  check_embeddings(a, n, "side A");
  check_embeddings(a_flip, n, "side A flipped", &a);
  check_embeddings(b, n, "side B", &a);
  check_embeddings(b_flip, n, "side B flipped", &a);
  int64_t n_same = 0;
  for (bool s : pairs.same) n_same += s;
  KD_CHECK(n_same > 0 && n_same < n, "verification: the pair set needs same and different ",
           "pairs, got ", n_same, " same of ", n);
  KD_CHECK(opt.roc_points >= 2, "verification: roc_points must be >= 2, got ", opt.roc_points);
}

void summarise(VerificationResult& r, const PairSet& pairs, bool higher_is_same,
               const VerificationOptions& opt) {
  std::vector<double> acc;
  for (const FoldResult& f : r.folds) acc.push_back(f.accuracy);
  r.mean = numpy_mean(acc);
  r.std = numpy_std(acc);

  std::vector<double> sim = r.scores;
  if (!higher_is_same)
    for (double& s : sim) s = -s;
  const RocCurve full = roc_curve(sim, pairs.same);
  const double sign = higher_is_same ? 1.0 : -1.0;
  r.tar_at_far.clear();
  for (double target : opt.far_targets) {
    TarAtFar t = tar_at_far(full, target);
    t.threshold *= sign;
    r.tar_at_far.push_back(t);
  }
  const RocCurve plot = decimate(full, opt.roc_points);
  r.roc_far = plot.far;
  r.roc_tar = plot.tar;
  r.roc_threshold = plot.threshold;
  for (double& t : r.roc_threshold) t *= sign;
}

}  // namespace detail
}  // namespace kd::eval
