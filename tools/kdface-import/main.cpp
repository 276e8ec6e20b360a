// kdface-import: a PyTorch state dict (safetensors) into a kdface checkpoint. docs/deploy.md.
#include <cstdio>
#include <exception>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/check.h"
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
  try {
    std::string in, cfg, out;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        KD_CHECK(i + 1 < argc, a, ": expected a value after it");
        return argv[++i];
      };
      if (a == "--help" || a == "-h") {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (a == "--state-dict") {
        in = value();
      } else if (a == "--model-config") {
        cfg = value();
      } else if (a == "--out") {
        out = value();
      } else {
        KD_FAIL("unknown argument '", a, "'\n", kUsage);
      }
    }
    KD_CHECK(!in.empty() && !cfg.empty() && !out.empty(), "--state-dict, --model-config and --out are required\n",
             kUsage);
    nlohmann::json mc;
    try {
      mc = nlohmann::json::parse(cfg);
    } catch (const std::exception& e) {
      KD_FAIL("--model-config: not valid JSON: ", e.what());
    }
    const auto s = kd::importtool::import_state_dict(in, mc, out);
    std::printf("%s: %s tensors, %s parameters -> %s\n", in.c_str(), s["tensors"].dump().c_str(),
                s["parameters"].dump().c_str(), out.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdface-import: %s\n", e.what());
    return 1;
  }
}
