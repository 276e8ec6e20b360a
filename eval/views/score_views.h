#pragma once
// One model on one pair list: embed every image's views at every scale and score them with
// every protocol. kdface-eval and training's epoch evaluation both call this, so a
// checkpoint scores the same in both (tests/test_train_recipes.cpp checks it).
#include <cstdint>
#include <string>
#include <vector>

#include "data/degrade.h"
#include "engine/progress.h"
#include "eval/verification.h"
#include "eval/views/face_views.h"
#include "eval/views/pair_faces.h"
#include "models/resnext_cbam.h"

namespace kd::eval {

struct ViewScoring {
  data::DegradeSpec spec;
  std::vector<int> scales{1};
  std::vector<std::string> scoring{"askd"};  // askd and/or insightface
  bool cross = false;  // side A clean (checkpoint BN statistics), side B degraded at the scale
  bool adabn = false;  // BN statistics re-estimated per scale, restored afterwards
  int64_t batch = 64;
  uint64_t seed = kDegradeSeed;

  // Images pushed through the network for n unique images (a progress bar's total).
  int64_t images_embedded(int64_t n) const;
};

struct ScaleScore {
  int scale = 1;
  std::string scoring;
  VerificationResult result;
};

// In scales order, each scale's protocols in scoring order. net is left in eval mode with
// its buffers as they were.
std::vector<ScaleScore> score_views(models::ResNeXtCBAM& net, const PairFaces& pf, const ViewScoring& o,
                                    Progress* progress = nullptr);

}  // namespace kd::eval
