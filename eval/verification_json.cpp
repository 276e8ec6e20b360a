#include <cmath>

#include "eval/verification.h"

namespace kd::eval {
namespace {

// JSON has no infinity; an "accept nothing" threshold is written as null.
nlohmann::json number_or_null(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const VerificationResult& r, bool with_scores) {
  nlohmann::json j;
  j["protocol"] = r.protocol;
  j["score"] = r.score;
  j["mean"] = r.mean;
  j["std"] = r.std;
  j["folds"] = nlohmann::json::array();
  for (const FoldResult& f : r.folds)
    j["folds"].push_back(
        {{"fold", f.fold}, {"pairs", f.pairs}, {"accuracy", f.accuracy}, {"threshold", f.threshold}});
  j["tar_at_far"] = nlohmann::json::array();
  for (const TarAtFar& t : r.tar_at_far)
    j["tar_at_far"].push_back({{"far_target", t.far_target},
                               {"tar", t.tar},
                               {"far", t.far},
                               {"threshold", number_or_null(t.threshold)}});
  nlohmann::json thr = nlohmann::json::array();
  for (double t : r.roc_threshold) thr.push_back(number_or_null(t));
  j["roc"] = {{"far", r.roc_far}, {"tar", r.roc_tar}, {"threshold", thr}};
  if (with_scores) j["scores"] = r.scores;
  return j;
}

}  // namespace kd::eval
