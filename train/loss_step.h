#pragma once
// One training step's forward passes and loss terms, as the config's weights select them.
// Terms with weight 0 are not computed at all (no teacher forward when no KD term needs it).
#include <cstdint>
#include <map>
#include <string>

#include "data/loader.h"
#include "train/nets.h"
#include "train/train_config.h"

namespace kd::train {

struct LossValues {
  Tensor total;                          // differentiable scalar
  std::map<std::string, double> values;  // every term (unweighted) and "total"
  bool finite = true;
  std::string bad_term;
  double bad_value = 0.0;
};

class LossStep {
 public:
  LossStep(const TrainConfig& cfg, StudentNet& student, TeacherNet* teacher);
  // step seeds the stochastic parts (dropout blocks) so a resumed run draws the same masks.
  LossValues compute(const data::Batch& batch, int64_t step);

 private:
  const TrainConfig& cfg_;
  StudentNet& student_;
  TeacherNet* teacher_;
};

const Tensor& pick_input(const data::Batch& b, const std::string& which);

}  // namespace kd::train
