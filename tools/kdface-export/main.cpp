// kdface-export: a kdface model as ONNX (opset 13), checked by ONNX's checker. docs/deploy.md.
#include <cstdio>
#include <filesystem>

#include "engine/check.h"
#include "tools/cli/args.h"
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
  const kd::tools::ToolSpec spec{"kdface-export", kUsage, {"--model", "--out"}, {}};
  return kd::tools::run_tool(spec, argc, argv, [](const kd::tools::Args& a) {
    KD_CHECK(a.positional().empty(), "unexpected argument '", a.positional()[0], "'\n", kUsage);
    const std::string out = a.get("--out");
    KD_CHECK(std::filesystem::path(out).extension() == ".onnx", "--out ", out, ": expected a name ending in .onnx");
    const auto lb = kd::evaltool::load_backbone(a.get("--model"));
    const auto r = kd::exporttool::export_onnx(*lb.net, lb.run_config["student"]["model"], lb.file, out);
    std::printf("%s: %lld nodes, %lld initializers, %lld bytes (from %s)\n", out.c_str(), static_cast<long long>(r.nodes),
                static_cast<long long>(r.initializers), static_cast<long long>(r.bytes), lb.file.c_str());
    return 0;
  });
}
