#include "tools/kdface-import/import_state_dict.h"

#include <filesystem>

#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/safetensors.h"
#include "eval/report_hash.h"
#include "models/resnext_cbam.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace kd::importtool {

json import_state_dict(const std::string& in, const json& model_cfg, const std::string& out) {
  KD_CHECK(fs::path(out).extension() == ".safetensors", "--out ", out, ": expected a file name ending in .safetensors");
  const SafeTensors st = load_safetensors(in);
  KD_CHECK(st.metadata.count("format") == 0 || st.metadata.at("format") != "kdface-checkpoint", in,
           ": already a kdface checkpoint; use it as it is");
  const std::string prefix = "backbone.";
  std::map<std::string, Tensor> sd;
  for (const auto& [k, v] : st.tensors) sd[k.rfind(prefix, 0) == 0 ? k.substr(prefix.size()) : k] = v;
  auto net = std::make_shared<models::ResNeXtCBAM>(models::ResNeXtConfig::from_json(model_cfg, "--model-config"), 0);
  try {
    net->load_state_dict(sd, true);
  } catch (const std::exception& e) {
    KD_FAIL(in, ": does not match --model-config ", model_cfg.dump(), ": ", e.what());
  }
  Checkpoint ck;
  for (auto& [k, v] : net->state_dict()) ck.model[prefix + k] = v;
  const std::string sha = eval::sha256_file(in);
  ck.meta = {{"config", {{"student", {{"model", model_cfg}}}}},
             {"imported_from", {{"file", in}, {"sha256", sha}}}};
  if (fs::path(out).has_parent_path()) fs::create_directories(fs::path(out).parent_path());
  save_checkpoint(out, ck);
  return {{"tensors", sd.size()}, {"parameters", net->num_parameters()}, {"source_sha256", sha}};
}

}  // namespace kd::importtool
