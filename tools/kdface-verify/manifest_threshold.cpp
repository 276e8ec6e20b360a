#include "tools/kdface-verify/manifest_threshold.h"

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "engine/atomic_file.h"
#include "engine/check.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace kd::verifytool {

std::optional<Threshold> manifest_threshold(const std::string& model_file, int scale) {
  if (fs::is_directory(model_file)) return std::nullopt;
  const std::string mpath = fs::path(model_file).replace_extension(".json").string();
  if (!fs::exists(mpath)) return std::nullopt;
  json m;
  try {
    m = json::parse(read_file(mpath));
  } catch (const json::exception& e) {
    KD_FAIL(mpath, ": not valid JSON (expected the model's kdface-release manifest): ", e.what());
  }
  if (!m.contains("results") || !m["results"].is_object()) return std::nullopt;
  const std::string key = std::to_string(scale);
  for (const char* proto : {"paper", "askd"}) {
    const json& res = m["results"];
    if (!res.contains(proto) || !res[proto].contains("insightface") || !res[proto]["insightface"].contains(key))
      continue;
    const json& e = res[proto]["insightface"][key];
    KD_CHECK(e.contains("threshold") && e["threshold"].is_number() && e.value("score", "") == "squared_l2", mpath,
             ": results.", proto, ".insightface.", key, " needs a numeric squared-L2 \"threshold\"");
    Threshold t;
    t.similarity = 1.0 - e["threshold"].get<double>() / 2.0;
    char acc[64];
    std::snprintf(acc, sizeof acc, "%.2f %%", 100.0 * e.value("mean", 0.0));
    const int64_t pairs = res[proto].contains("pairs") ? res[proto]["pairs"].value("scored", int64_t(0)) : 0;
    t.source = mpath + ": the best-accuracy threshold on " + std::to_string(pairs) + " pairs (insightface scoring, x" +
               key + ", " + acc + ")";
    return t;
  }
  return std::nullopt;
}

}  // namespace kd::verifytool
