// kdface-export: a kdface model as ONNX (opset 13), checked by ONNX's checker. docs/deploy.md.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "engine/check.h"
#include "tools/kdface-eval/backbone_checkpoint.h"
#include "tools/kdface-export/export_onnx.h"

namespace {

const char* kUsage =
    "usage: kdface-export --model CKPT --out model.onnx\n"
    "\n"
    "  --model CKPT   a shipped model (pretrained/*.safetensors), checkpoint or run folder\n"
    "  --out FILE     the ONNX model: input \"input\" (N, 3, 112, 112), output \"embedding\" (N, emb)\n";

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string model, out;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        KD_CHECK(i + 1 < argc, a, ": expected a value after it");
        return argv[++i];
      };
      if (a == "--help" || a == "-h") {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (a == "--model") {
        model = value();
      } else if (a == "--out") {
        out = value();
      } else {
        KD_FAIL("unknown argument '", a, "'\n", kUsage);
      }
    }
    KD_CHECK(!model.empty() && !out.empty(), "--model and --out are required\n", kUsage);
    KD_CHECK(std::filesystem::path(out).extension() == ".onnx", "--out ", out, ": expected a name ending in .onnx");
    const auto lb = kd::evaltool::load_backbone(model);
    const auto r = kd::exporttool::export_onnx(*lb.net, lb.run_config["student"]["model"], lb.file, out);
    std::printf("%s: %lld nodes, %lld initializers, %lld bytes (from %s)\n", out.c_str(),
                static_cast<long long>(r.nodes), static_cast<long long>(r.initializers),
                static_cast<long long>(r.bytes), lb.file.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdface-export: %s\n", e.what());
    return 1;
  }
}
