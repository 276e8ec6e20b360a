#pragma once
// The modules a run trains or distils from. Their state_dict names are what checkpoints
// hold: "backbone.<PyTorch ResNeXtCBAM name>", "head.w", "subdecision.<...>".
#include <memory>

#include "losses/feature_mimic.h"
#include "losses/subdecision.h"
#include "models/margin_head.h"
#include "models/resnext_cbam.h"
#include "train/train_config.h"

namespace kd::train {

class StudentNet : public Module {
 public:
  StudentNet(const TrainConfig& cfg, int64_t classes);
  std::shared_ptr<models::ResNeXtCBAM> backbone;
  std::shared_ptr<models::MarginHead> head;              // null without labels
  std::shared_ptr<losses::SubDecisionHead> subdecision;  // null unless configured
  std::shared_ptr<losses::FeatureMimic> mimic;           // null unless loss.feature_mimic > 0
};

class TeacherNet : public Module {
 public:
  // Loads <checkpoint> (a file, or a run folder: its latest checkpoint); the head is kept
  // when the checkpoint has one ("head.w"). Eval mode, no gradients.
  TeacherNet(const TrainConfig& cfg, int64_t classes);
  std::shared_ptr<models::ResNeXtCBAM> backbone;
  std::shared_ptr<models::MarginHead> head;  // null when the checkpoint has none
  std::string source;                        // the checkpoint file loaded
};

}  // namespace kd::train
