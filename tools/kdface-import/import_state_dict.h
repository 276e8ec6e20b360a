#pragma once
// A PyTorch state dict into kdface: a safetensors file of ResNeXtCBAM tensors under
// torch_reference.py's names (optionally prefixed "backbone."), as safetensors.torch.save_file
// writes model.state_dict(), becomes a kdface checkpoint (model.backbone.*, the architecture
// in meta.config.student.model) that kdface-eval, kdface-embed, kdface-verify and
// kdface-train (student.init_checkpoint, teacher.checkpoint) load.
#include <string>

#include <nlohmann/json.hpp>

namespace kd::importtool {

// Loads the state dict strictly into the model built from model_cfg (every tensor present,
// no extra ones, shapes equal; float64 is converted to float32) and writes out atomically.
// Returns a summary: tensors, parameters, the source's SHA-256. Throws naming the file and
// the offending key.
nlohmann::json import_state_dict(const std::string& in, const nlohmann::json& model_cfg, const std::string& out);

}  // namespace kd::importtool
