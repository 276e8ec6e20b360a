#include "tools/kdface-eval/backbone_checkpoint.h"

#include <filesystem>

#include "engine/check.h"
#include "engine/checkpoint.h"

namespace fs = std::filesystem;

namespace kd::evaltool {

std::string resolve_checkpoint_file(const std::string& path) {
  KD_CHECK(!path.empty(), "--model: empty path");
  KD_CHECK(fs::exists(path), "--model ", path, ": no such file or folder");
  if (!fs::is_directory(path)) return path;
  const std::string dir = fs::is_directory(path + "/checkpoints") ? path + "/checkpoints" : path;
  std::vector<std::string> skipped;
  std::string latest = latest_checkpoint(dir, &skipped);
  std::string why;
  for (auto& s : skipped) why += "\n  skipped " + s;
  KD_CHECK(!latest.empty(), "--model ", path, ": no complete kdface checkpoint in ", dir, why);
  return latest;
}

LoadedBackbone load_backbone(const std::string& path) {
  LoadedBackbone lb;
  lb.file = resolve_checkpoint_file(path);
  Checkpoint ck = load_checkpoint(lb.file);
  lb.step = ck.step;
  KD_CHECK(ck.meta.is_object() && ck.meta.contains("config") && ck.meta["config"].is_object(), lb.file,
           ": meta has no \"config\" object (expected the run's resolved config, as kdface-train writes it)");
  lb.run_config = ck.meta["config"];
  const nlohmann::json& cfg = lb.run_config;
  KD_CHECK(cfg.contains("student") && cfg["student"].is_object() && cfg["student"].contains("model"), lb.file,
           ": meta.config has no student.model (the backbone config JSON)");
  auto mcfg = models::ResNeXtConfig::from_json(cfg["student"]["model"], lb.file + ": meta.config.student.model");
  lb.net = std::make_shared<models::ResNeXtCBAM>(mcfg, 0);
  std::map<std::string, Tensor> sd;
  const std::string prefix = "backbone.";
  for (auto& [k, v] : ck.model)
    if (k.rfind(prefix, 0) == 0) sd[k.substr(prefix.size())] = v;
  KD_CHECK(!sd.empty(), lb.file, ": no \"model.backbone.*\" tensors; is this a kdface-train checkpoint?");
  try {
    lb.net->load_state_dict(sd, true);
  } catch (const std::exception& e) {
    KD_FAIL(lb.file, ": the backbone weights do not match meta.config.student.model: ", e.what());
  }
  lb.net->eval();
  return lb;
}

std::string default_model_name(const std::string& path) {
  fs::path p(path);
  if (fs::is_directory(p)) {
    std::string s = p.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return fs::path(s).filename().string();
  }
  std::string f = p.filename().string();
  const std::string ext = ".safetensors";
  if (f.size() > ext.size() && f.compare(f.size() - ext.size(), ext.size(), ext) == 0) f.resize(f.size() - ext.size());
  return f;
}

}  // namespace kd::evaltool
