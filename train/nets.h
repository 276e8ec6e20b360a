#pragma once
// The modules a run trains or distils from. Their state_dict names are what checkpoints
// hold: "backbone.<PyTorch ResNeXtCBAM name>", "head.w", "subdecision.<...>".
#include <memory>

#include "dist/communicator.h"
#include "losses/feature_mimic.h"
#include "losses/subdecision.h"
#include "models/margin_head.h"
#include "models/resnext_cbam.h"
#include "train/train_config.h"

namespace kd::train {

class StudentNet : public Module {
 public:
  // comm: the data-parallel world; with student.head.sharded and more than one rank, the head
  // holds this rank's shard of the classes (train/sharded_head.h).
  StudentNet(const TrainConfig& cfg, int64_t classes, dist::Communicator* comm = nullptr);
  std::shared_ptr<models::ResNeXtCBAM> backbone;
  std::shared_ptr<models::MarginHead> head;              // null without labels
  dist::Communicator* head_comm = nullptr;               // set when the head is sharded
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
