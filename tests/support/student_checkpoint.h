#pragma once
// A checkpoint as kdface-train writes it for a student: the backbone's tensors under
// "backbone.", and the run config's student.model in meta, which is what kdface-eval's
// loader (and every tool built on it) reads.
#include <nlohmann/json.hpp>

#include "engine/checkpoint.h"
#include "models/resnext_cbam.h"

namespace kdtest {

inline kd::Checkpoint student_checkpoint(const kd::models::ResNeXtCBAM& net, const nlohmann::json& model_cfg) {
  kd::Checkpoint ck;
  for (auto& [k, v] : net.state_dict()) ck.model["backbone." + k] = v;
  ck.meta = {{"config", {{"student", {{"model", model_cfg}}}}}};
  return ck;
}

}  // namespace kdtest
