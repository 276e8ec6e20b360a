#pragma once
// Every loss term a training config can weigh, one row each: its name (the config key under
// "loss" and the log's name), its default weight, what it needs, and how it is computed.
// Config parsing, the resolved config, the start-up checks, the order terms are summed and
// logged in, and the step itself all read this table; a new term is one new row.
#include <functional>
#include <string>
#include <vector>

#include "data/loader.h"
#include "losses/subdecision.h"
#include "models/resnext_cbam.h"

namespace kd::train {

struct TrainConfig;
class StudentNet;
class TeacherNet;

// What one step has computed when the terms are evaluated.
struct TermInputs {
  const TrainConfig& cfg;
  const data::Batch& batch;
  StudentNet& student;
  const models::BackboneOutput& s;  // the student's forward pass
  TeacherNet* teacher;              // null unless a term with weight > 0 needs it
  const models::BackboneOutput& t;  // the teacher's forward pass (empty without teacher)
  const losses::SubDecisionOut* sd; // null unless student.subdecision is configured
};

struct LossTermSpec {
  std::string name;
  double default_weight = 0.0;
  bool needs_teacher = false;      // a teacher forward runs every step while weight > 0
  bool needs_labels = false;       // invalid with data.labels false
  bool needs_subdecision = false;  // invalid without student.subdecision
  std::function<Tensor(const TermInputs&)> compute;  // a scalar tensor
};

const std::vector<LossTermSpec>& loss_table();

}  // namespace kd::train
