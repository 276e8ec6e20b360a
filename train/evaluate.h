#pragma once
// Verification accuracy on the config's pair list at the end of every epoch: kdface-eval's
// own path (eval/views, askd scoring, the same degradation seeds), so an epoch's figures are
// those kdface-eval gives the checkpoint written at that step. With eval.adabn the BN
// statistics are re-estimated per scale and restored afterwards; training goes on unchanged.
#include <cstdint>

#include <nlohmann/json.hpp>

#include "eval/views/pair_faces.h"
#include "eval/views/score_views.h"
#include "train/nets.h"
#include "train/train_config.h"

namespace kd::train {

class EpochEvaluator {
 public:
  // Loads and decodes the pair list's faces once, before the first step, so a wrong path
  // stops the run at once. Images that are missing or not aligned make their pairs unscored
  // (a warning now, the count in every result), as with kdface-eval --on-missing skip.
  explicit EpochEvaluator(const TrainConfig& cfg);

  // {"accuracy": mean over scales, "pairs", "unscored_pairs", "protocol", "adabn",
  //  "scales": {"1": {...}, ...}, "summary": "..."}. Leaves the student in eval mode.
  nlohmann::json evaluate(StudentNet& student, int64_t epoch) const;

 private:
  eval::PairFaces faces_;
  eval::ViewScoring scoring_;
};

}  // namespace kd::train
