// apply_override: `--set key=value` of kdface-train and kdface-eval. Each input line is one
// override, applied in order to a config shaped like the recipes (objects, arrays, numbers).
#include <sstream>

#include "engine/config.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json cfg = {{"name", "run"},
                        {"data", {{"train", "shards"}, {"batch", 64}, {"scales", {1, 2, 4}}}},
                        {"eval", {{"sets", {{{"pairs", "a.tsv"}}, {{"pairs", "b.tsv"}}}}}},
                        {"optim", {{"lr", 0.1}, {"milestones", nlohmann::json::array()}}}};
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  int n = 0;
  for (std::string line; std::getline(in, line) && n < 16; ++n) {
    if (line.find('\0') != std::string::npos) continue;  // a command-line argument cannot hold one
    try {
      kd::apply_override(cfg, line);
    } catch (const kd::Error& e) {
      kdfuzz::expect_named(e, "override '" + line + "'");
    }
  }
  (void)cfg.dump();
  return 0;
}
