// kdface-import: a plain safetensors state dict (PyTorch's names, optionally "backbone."-
// prefixed) becomes a kdface checkpoint that kdface-eval's loader reads with the same
// weights; a state dict that does not fit the architecture is refused naming file and key.
#include <catch2/catch.hpp>

#include <cstring>

#include "engine/checkpoint.h"
#include "engine/safetensors.h"
#include "tests/support/temp_dir.h"
#include "tools/kdface-eval/backbone_checkpoint.h"
#include "tools/kdface-import/import_state_dict.h"

using nlohmann::json;
using namespace kd;

namespace {

const json kModel = {{"preset", "tiny"}, {"depths", {1, 1, 1, 1}}, {"input_pool", 2}};

std::map<std::string, Tensor> torch_like_state(const std::string& prefix) {
  models::ResNeXtCBAM net(models::ResNeXtConfig::from_json(kModel, "t"), 12);
  std::map<std::string, Tensor> sd;
  for (auto& [k, v] : net.state_dict()) sd[prefix + k] = v.dtype() == DType::F32 ? v.to(DType::F64) : v;
  return sd;
}

}  // namespace

TEST_CASE("kdface-import turns a PyTorch state dict into a checkpoint kdface-eval loads", "[import]") {
  kdtest::TempDir d("import");
  for (const std::string prefix : {"", "backbone."}) {
    INFO("prefix '" << prefix << "'");
    const auto sd = torch_like_state(prefix);
    save_safetensors(d.p + "/torch.safetensors", sd);
    const json s = importtool::import_state_dict(d.p + "/torch.safetensors", kModel, d.p + "/kd.safetensors");
    CHECK(s["tensors"] == sd.size());
    const auto lb = evaltool::load_backbone(d.p + "/kd.safetensors");
    CHECK(lb.run_config["student"]["model"] == kModel);
    for (auto& [k, v] : lb.net->state_dict()) {
      INFO(k);
      const Tensor want = sd.at(prefix + k).to(v.dtype());
      REQUIRE(std::memcmp(v.raw_data(), want.raw_data(), v.nbytes()) == 0);
    }
  }
}

TEST_CASE("kdface-import refuses a state dict that does not fit", "[import]") {
  kdtest::TempDir d("import_bad");
  auto sd = torch_like_state("");
  auto missing = sd;
  missing.erase(missing.begin());
  save_safetensors(d.p + "/missing.safetensors", missing);
  CHECK_THROWS_WITH(importtool::import_state_dict(d.p + "/missing.safetensors", kModel, d.p + "/o.safetensors"),
                    Catch::Contains("missing.safetensors") && Catch::Contains(sd.begin()->first));
  auto extra = sd;
  extra["fc_extra.weight"] = Tensor::zeros({2});
  save_safetensors(d.p + "/extra.safetensors", extra);
  CHECK_THROWS_WITH(importtool::import_state_dict(d.p + "/extra.safetensors", kModel, d.p + "/o.safetensors"),
                    Catch::Contains("fc_extra.weight"));
  save_safetensors(d.p + "/ok.safetensors", sd);
  CHECK_THROWS_WITH(importtool::import_state_dict(d.p + "/ok.safetensors", json{{"preset", "tiny"}}, d.p + "/o.safetensors"),
                    Catch::Contains("ok.safetensors") && Catch::Contains("--model-config"));
  CHECK_THROWS_WITH(importtool::import_state_dict(d.p + "/ok.safetensors", kModel, d.p + "/o.bin"),
                    Catch::Contains(".safetensors"));
  Checkpoint ck;
  ck.model["backbone.x"] = Tensor::zeros({1});
  save_checkpoint(d.p + "/kd.safetensors", ck);
  CHECK_THROWS_WITH(importtool::import_state_dict(d.p + "/kd.safetensors", kModel, d.p + "/o.safetensors"),
                    Catch::Contains("already a kdface checkpoint"));
  CHECK_THROWS_WITH(importtool::import_state_dict(d.p + "/none.safetensors", kModel, d.p + "/o.safetensors"),
                    Catch::Contains("none.safetensors"));
}
