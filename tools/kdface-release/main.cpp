// kdface-release: ships a trained model as a small safetensors file with a manifest (SHA-256,
// config, commit, commands, verification results). Details in docs/pretrained.md.
#include <cstdio>

#include "engine/check.h"
#include "tools/cli/args.h"
#include "tools/kdface-release/release.h"

namespace {

const char* kUsage =
    "usage: kdface-release --model CKPT --out FILE.safetensors --commit SHA --command CMD [--command CMD2 ...]\n"
    "                      [--name NAME] [--backbone-only]\n"
    "       kdface-release --attach REPORT.json --manifest FILE.json\n"
    "       kdface-release --check FILE.json [FILE2.json ...]\n"
    "\n"
    "  --model CKPT      a kdface-train checkpoint or run folder (its newest checkpoint)\n"
    "  --out FILE        the model file to write; its manifest is written beside it as FILE.json\n"
    "  --commit SHA      the commit whose code and config trained the model\n"
    "  --command CMD     a command that reproduces it, in order (repeatable)\n"
    "  --backbone-only   ship model.backbone.* only (enough for kdface-eval; a teacher for logit\n"
    "                    KD needs its head, so leave it out there)\n"
    "  --attach REPORT   add a kdface-eval report.json's results to --manifest; the report must\n"
    "                    have scored this very file (matched by SHA-256)\n"
    "  --check           re-hash each manifest's model file and compare (exit 1 on a mismatch)\n";

}  // namespace

int main(int argc, char** argv) {
  const kd::tools::ToolSpec spec{"kdface-release", kUsage,
                                 {"--model", "--out", "--commit", "--command", "--name", "--attach", "--manifest"},
                                 {"--backbone-only", "--check"}};
  return kd::tools::run_tool(spec, argc, argv, [](const kd::tools::Args& a) {
    if (a.flag("--check")) {
      KD_CHECK(!a.positional().empty(), "--check: give at least one manifest");
      for (const auto& m : a.positional()) {
        kd::release::verify_manifest(m);
        std::printf("%s: ok\n", m.c_str());
      }
      return 0;
    }
    KD_CHECK(a.positional().empty(), "unexpected argument '", a.positional()[0], "'\n", kUsage);
    if (a.has("--attach")) {
      kd::release::attach_report(a.get("--manifest"), a.get("--attach"));
      std::printf("%s: results from %s attached\n", a.get("--manifest").c_str(), a.get("--attach").c_str());
      return 0;
    }
    kd::release::ReleaseOptions o;
    o.model = a.get("--model");
    o.out = a.get("--out");
    o.commit = a.get_or("--commit", "");
    o.commands = a.get_all("--command");
    o.name = a.get_or("--name", "");
    o.backbone_only = a.flag("--backbone-only");
    const auto m = kd::release::release_model(o);
    std::printf("%s: %lld bytes, sha256 %s, %lld backbone parameters, step %lld\n%s\n", o.out.c_str(),
                static_cast<long long>(m["bytes"].get<int64_t>()), m["sha256"].get<std::string>().c_str(),
                static_cast<long long>(m["parameters"].get<int64_t>()), static_cast<long long>(m["step"].get<int64_t>()),
                kd::release::manifest_path_for(o.out).c_str());
    return 0;
  });
}
