// kdface-release: ships a trained model as a small safetensors file with a manifest (SHA-256,
// config, commit, commands, verification results). Details in docs/pretrained.md.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "engine/check.h"
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
  try {
    kd::release::ReleaseOptions o;
    std::string attach, manifest;
    std::vector<std::string> check;
    bool checking = false;
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
        o.model = value();
      } else if (a == "--out") {
        o.out = value();
      } else if (a == "--commit") {
        o.commit = value();
      } else if (a == "--command") {
        o.commands.push_back(value());
      } else if (a == "--name") {
        o.name = value();
      } else if (a == "--backbone-only") {
        o.backbone_only = true;
      } else if (a == "--attach") {
        attach = value();
      } else if (a == "--manifest") {
        manifest = value();
      } else if (a == "--check") {
        checking = true;
      } else if (checking && a.rfind("--", 0) != 0) {
        check.push_back(a);
      } else {
        KD_FAIL("unknown argument '", a, "'\n", kUsage);
      }
    }
    if (checking) {
      KD_CHECK(!check.empty(), "--check: give at least one manifest");
      for (const auto& m : check) {
        kd::release::verify_manifest(m);
        std::printf("%s: ok\n", m.c_str());
      }
    } else if (!attach.empty()) {
      KD_CHECK(!manifest.empty(), "--attach needs --manifest FILE.json");
      kd::release::attach_report(manifest, attach);
      std::printf("%s: results from %s attached\n", manifest.c_str(), attach.c_str());
    } else {
      KD_CHECK(!o.model.empty() && !o.out.empty(), "--model and --out are required\n", kUsage);
      const auto m = kd::release::release_model(o);
      std::printf("%s: %lld bytes, sha256 %s, %lld backbone parameters, step %lld\n%s\n", o.out.c_str(),
                  static_cast<long long>(m["bytes"].get<int64_t>()), m["sha256"].get<std::string>().c_str(),
                  static_cast<long long>(m["parameters"].get<int64_t>()),
                  static_cast<long long>(m["step"].get<int64_t>()),
                  kd::release::manifest_path_for(o.out).c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdface-release: %s\n", e.what());
    return 1;
  }
}
