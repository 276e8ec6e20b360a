// kdface-import: a PyTorch state dict (safetensors) into a kdface checkpoint. docs/deploy.md.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "engine/check.h"
#include "tools/cli/args.h"
#include "tools/kdface-import/import_state_dict.h"

namespace {

const char* kUsage =
    "usage: kdface-import --state-dict FILE.safetensors --model-config JSON --out FILE.safetensors\n"
    "\n"
    "  --state-dict FILE   safetensors.torch.save_file(model.state_dict()) of torch_reference.py's\n"
    "                      ResNeXtCBAM (names as PyTorch gives them, optionally prefixed \"backbone.\")\n"
    "  --model-config J    the architecture, as in a recipe's student.model, e.g. '{\"preset\":\"tiny\"}'\n"
    "  --out FILE          the kdface checkpoint to write (kdface-eval --model, student.init_checkpoint)\n";

}  // namespace

int main(int argc, char** argv) {
  const kd::tools::ToolSpec spec{"kdface-import", kUsage, {"--state-dict", "--model-config", "--out"}, {}};
  return kd::tools::run_tool(spec, argc, argv, [](const kd::tools::Args& a) {
    KD_CHECK(a.positional().empty(), "unexpected argument '", a.positional()[0], "'\n", kUsage);
    nlohmann::json mc;
    try {
      mc = nlohmann::json::parse(a.get("--model-config"));
    } catch (const nlohmann::json::exception& e) {
      KD_FAIL("--model-config: not valid JSON: ", e.what());
    }
    const auto s = kd::importtool::import_state_dict(a.get("--state-dict"), mc, a.get("--out"));
    std::printf("%s: %s tensors, %s parameters -> %s\n", a.get("--state-dict").c_str(), s["tensors"].dump().c_str(),
                s["parameters"].dump().c_str(), a.get("--out").c_str());
    return 0;
  });
}
