#pragma once
// A student backbone from a kdface-train checkpoint: the architecture comes from the run's
// resolved config stored in the checkpoint (meta.config.student.model), the weights from its
// "model.backbone.*" tensors.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "models/resnext_cbam.h"

namespace kd::evaltool {

struct LoadedBackbone {
  std::shared_ptr<models::ResNeXtCBAM> net;  // eval mode
  std::string file;                          // the checkpoint file loaded
  int64_t step = 0;
  nlohmann::json run_config;  // meta.config
};

// A file as is; a run folder resolves to the newest complete checkpoint in <dir>/checkpoints
// (or in <dir> itself), as kdface-train --resume would pick it.
std::string resolve_checkpoint_file(const std::string& path);

LoadedBackbone load_backbone(const std::string& path);

// The label a model gets without --name: a run folder's name, else the file name without
// ".safetensors".
std::string default_model_name(const std::string& path);

}  // namespace kd::evaltool
