#pragma once
// Face verification scoring: fold accuracies (A-SKD and insightface protocols), TAR at fixed
// FAR and the ROC curve, from embeddings the caller computed. The protocols are written out
// with formulas, grids and tie rules in docs/evaluation.md; in short:
//
// score_askd (A-SKD's eval code, itself the CosFace/SphereFace LFW evaluation):
//   feature  f = [view | flipped view] (concatenation, 2*dim)
//   per held-out fold k (the PairSet's fold ids):
//     mu_k   = mean of f over both sides of every pair NOT in fold k
//     score  = cos(f_a - mu_k, f_b - mu_k) for every pair
//     t_k    = mean of all best thresholds on the other folds' scores (threshold_sweep.h)
//     acc_k  = (#{same in k: s > t_k} + #{different in k: s < t_k}) / #pairs in k
//   Each pair's reported score is the one computed while its own fold was held out.
// score_insightface (insightface recognition/arcface_torch/eval/verification.py):
//   feature  e = normalise(view + flipped view);  d = ||e_a - e_b||^2
//   folds    KFold(n_splits=n_folds, shuffle=False) over the pairs in order -- NOT the fold
//            ids (they coincide for val_pairs.tsv and LFW's pairs.txt, which list folds in
//            consecutive equal blocks)
//   t_k      first argmax of training accuracy over 0, 0.01, ..., 3.99, "same" iff d < t
// Both: mean and population std (np.std) of the fold accuracies (fractions, not %), and
// TAR@FAR / ROC over all pairs with the rule in roc.h.
//
// A cross-resolution evaluation passes clean embeddings on one side and degraded ones on
// the other; nothing here knows which images produced which embeddings. All arithmetic is
// float64 (the reference scripts hold A-SKD features in float32; scores agree to ~1e-7).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/embeddings.h"
#include "eval/pairs.h"
#include "eval/roc.h"

namespace kd::eval {

struct VerificationOptions {
  int n_folds = 10;
  std::vector<double> far_targets = {1e-2, 1e-3};
  size_t roc_points = 1000;  // the ROC in the result is decimated to at most this many points
};

struct FoldResult {
  int fold = 0;
  int64_t pairs = 0;      // pairs in the held-out fold
  double accuracy = 0;    // fraction correct on the held-out fold
  double threshold = 0;   // chosen on the other folds, in the protocol's score units
};

struct VerificationResult {
  std::string protocol;  // "askd" | "insightface"
  std::string score;     // "cosine" (same iff s > t) | "squared_l2" (same iff d < t)
  double mean = 0, std = 0;  // of the fold accuracies; std is the population std (ddof 0)
  std::vector<FoldResult> folds;
  // One entry per VerificationOptions::far_targets. Thresholds are in score units: for
  // "cosine" accept s >= t, for "squared_l2" accept d <= t (+-inf: accept nothing).
  std::vector<TarAtFar> tar_at_far;
  std::vector<double> roc_far, roc_tar, roc_threshold;  // decimated, same units as above
  std::vector<double> scores;  // per pair, in PairSet order

  // TAR at a target that was in VerificationOptions::far_targets; throws otherwise.
  double tar_at(double far_target) const;
};

// a/b: side A/B embeddings, one row per pair; *_flip: the same images flipped horizontally.
// Throws (naming the set, the pair and the expected value) on size mismatches, non-finite
// values, fold ids outside [0, n_folds), empty folds, a pair set without both classes, or a
// feature with zero norm.
VerificationResult score_askd(const PairSet& pairs, const Embeddings& a, const Embeddings& a_flip,
                              const Embeddings& b, const Embeddings& b_flip,
                              const VerificationOptions& opt = {});
VerificationResult score_insightface(const PairSet& pairs, const Embeddings& a,
                                     const Embeddings& a_flip, const Embeddings& b,
                                     const Embeddings& b_flip,
                                     const VerificationOptions& opt = {});

// {"protocol", "score", "mean", "std", "folds": [{"fold", "pairs", "accuracy", "threshold"}],
//  "tar_at_far": [{"far_target", "tar", "far", "threshold"}], "roc": {"far", "tar",
//  "threshold"}} and, when with_scores, "scores". Infinite thresholds are written as null.
nlohmann::json to_json(const VerificationResult& r, bool with_scores = false);

}  // namespace kd::eval
