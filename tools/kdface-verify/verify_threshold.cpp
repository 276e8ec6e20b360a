#include "tools/kdface-verify/verify_threshold.h"

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "engine/atomic_file.h"
#include "engine/check.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace kd::verifytool {
namespace {

json read_json(const std::string& path, const std::string& what) {
  try {
    return json::parse(read_file(path));
  } catch (const json::exception& e) {
    KD_FAIL(path, ": not valid JSON (expected ", what, "): ", e.what());
  }
}

// An insightface result ({mean, threshold | folds, score}) as a similarity threshold.
Threshold from_insightface(const json& e, const std::string& where, const std::string& source) {
  double t = 0;
  if (e.contains("threshold")) {
    KD_CHECK(e["threshold"].is_number(), where, ": \"threshold\" is not a number");
    t = e["threshold"].get<double>();
  } else {
    KD_CHECK(e.contains("folds") && e["folds"].is_array() && !e["folds"].empty(), where,
             " has neither \"threshold\" nor \"folds\"");
    for (const json& f : e["folds"]) t += f.at("threshold").get<double>();
    t /= double(e["folds"].size());
  }
  KD_CHECK(e.value("score", "") == "squared_l2", where, ": expected a squared-L2 (insightface) score");
  char acc[64];
  std::snprintf(acc, sizeof acc, "%.2f %%", 100.0 * e.value("mean", 0.0));
  return {1.0 - t / 2.0, source + ", " + acc + ")"};
}

}  // namespace

std::optional<Threshold> manifest_threshold(const std::string& model_file, int scale) {
  if (fs::is_directory(model_file)) return std::nullopt;
  const std::string mpath = fs::path(model_file).replace_extension(".json").string();
  if (!fs::exists(mpath)) return std::nullopt;
  const json m = read_json(mpath, "the model's kdface-release manifest");
  if (!m.contains("results") || !m["results"].is_object()) return std::nullopt;
  const std::string key = std::to_string(scale);
  for (const char* proto : {"paper", "askd"}) {
    const json& res = m["results"];
    if (!res.contains(proto) || !res[proto].contains("insightface") || !res[proto]["insightface"].contains(key))
      continue;
    const int64_t pairs = res[proto].contains("pairs") ? res[proto]["pairs"].value("scored", int64_t(0)) : 0;
    return from_insightface(res[proto]["insightface"][key], mpath + ": results." + proto + ".insightface." + key,
                            mpath + ": the best-accuracy threshold on " + std::to_string(pairs) +
                                " pairs (insightface scoring, x" + key);
  }
  return std::nullopt;
}

Threshold report_threshold(const std::string& report_path, const std::string& model, int scale) {
  const json r = read_json(report_path, "a kdface-eval report.json");
  KD_CHECK(r.value("tool", "") == "kdface-eval" && r.contains("results") && r["results"].is_array(), report_path,
           ": not a kdface-eval report (no \"tool\": \"kdface-eval\" with \"results\")");
  std::string name = model;
  if (name.empty()) {
    KD_CHECK(r.contains("models") && r["models"].size() == 1, report_path, ": it scored ",
             r.contains("models") ? r["models"].size() : 0, " models; say which with --report-model NAME");
    name = r["models"][0].value("name", "");
  }
  std::string have;
  for (const json& e : r["results"]) {
    have += "\n  " + e.value("model", "?") + " " + e.value("scoring", "?") + " x" + std::to_string(e.value("scale", 0));
    if (e.value("model", "") == name && e.value("scoring", "") == "insightface" && e.value("scale", 0) == scale) {
      const int64_t pairs = r.contains("pairs") ? r["pairs"].value("pairs", int64_t(0)) : 0;
      return from_insightface(e, report_path, report_path + ": " + name + "'s best-accuracy threshold on " +
                                                  std::to_string(pairs) + " pairs (insightface scoring, x" +
                                                  std::to_string(scale));
    }
  }
  KD_FAIL(report_path, ": no insightface result for model '", name, "' at x", scale,
          " (kdface-eval --scoring askd,insightface gives one); it has:", have);
}

}  // namespace kd::verifytool
