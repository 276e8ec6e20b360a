#include "train/evaluate.h"

#include <cstdio>

#include "data/degrade.h"
#include "engine/check.h"
#include "eval/verification.h"

namespace kd::train {

using nlohmann::json;

EpochEvaluator::EpochEvaluator(const TrainConfig& cfg) {
  faces_ = eval::load_pair_faces(cfg.eval_pairs, cfg.eval_format, cfg.eval_root, cfg.eval_max_pairs, "skip");
  eval::require_scorable(faces_);
  if (!faces_.unscored.empty())
    std::fprintf(stderr, "kdface-train: warning: eval.pairs: %zu of %lld pairs cannot be scored (first: %s); "
                 "every epoch scores the other %zu\n",
                 faces_.unscored.size(), (long long)faces_.selected_pairs, faces_.unscored[0].reason.c_str(),
                 faces_.list.pairs.size());
  scoring_.spec = data::degrade_spec_from_json(cfg.degrade, "data.degrade");
  scoring_.scales = cfg.eval_scales;
  scoring_.scoring = {"askd"};
  scoring_.adabn = cfg.eval_adabn;
  scoring_.batch = cfg.eval_batch;
}

json EpochEvaluator::evaluate(StudentNet& student, int64_t epoch) const {
  json per_scale = json::object();
  double acc_sum = 0;
  std::string summary;
  for (eval::ScaleScore& s : eval::score_views(*student.backbone, faces_, scoring_)) {
    json jr = eval::to_json(s.result);
    jr.erase("roc");
    per_scale[std::to_string(s.scale)] = jr;
    acc_sum += s.result.mean;
    summary += kd::str(summary.empty() ? "" : ", ", "x", s.scale, " ", 100.0 * s.result.mean, "% +- ",
                       100.0 * s.result.std);
  }
  student.eval();
  const int64_t pairs = int64_t(faces_.list.pairs.size());
  return {{"accuracy", acc_sum / double(scoring_.scales.size())},
          {"pairs", pairs},
          {"unscored_pairs", int64_t(faces_.unscored.size())},
          {"protocol", "askd"},
          {"degrade", scoring_.spec.protocol},
          {"adabn", scoring_.adabn},
          {"scales", per_scale},
          {"summary", kd::str("epoch ", epoch, " verification (askd, ", pairs, " pairs", scoring_.adabn ? ", AdaBN" : "",
                              "): ", summary)}};
}

}  // namespace kd::train
