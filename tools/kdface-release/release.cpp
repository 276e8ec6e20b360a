#include "tools/kdface-release/release.h"

#include <filesystem>

#include "engine/atomic_file.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "eval/report_hash.h"
#include "tools/kdface-eval/backbone_checkpoint.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace kd::release {
namespace {

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

json read_json(const std::string& path, const std::string& what) {
  const std::string text = read_file(path);
  try {
    return json::parse(text);
  } catch (const std::exception& e) {
    KD_FAIL(path, ": not valid JSON (expected ", what, "): ", e.what());
  }
}

const json& need(const json& j, const std::string& key, const std::string& where) {
  KD_CHECK(j.is_object() && j.contains(key), where, ": key \"", key, "\" is missing");
  return j[key];
}

// Where the results of a report go: the degradation protocol, marked when the report was not
// the default both-sides-degraded evaluation without AdaBN.
std::string results_key(const json& report, const std::string& path) {
  const json& proto = need(report, "protocol", path);
  std::string key = need(need(proto, "degrade", path + ": protocol"), "protocol", path + ": protocol.degrade");
  if (proto.value("mode", "both_degraded") != "both_degraded") key += "-" + proto.value("mode", "");
  if (proto.value("adabn", false)) key += "-adabn";
  return key;
}

}  // namespace

std::string manifest_path_for(const std::string& model_file) {
  return fs::path(model_file).replace_extension(".json").string();
}

json release_model(const ReleaseOptions& opt) {
  KD_CHECK(!opt.commit.empty(), "--commit: the commit whose code and config trained the model is required");
  KD_CHECK(!opt.commands.empty(), "--command: at least one command that reproduces the model is required");
  KD_CHECK(fs::path(opt.out).extension() == ".safetensors", "--out ", opt.out,
           ": expected a file name ending in .safetensors");
  const std::string src_file = evaltool::resolve_checkpoint_file(opt.model);
  const Checkpoint src = load_checkpoint(src_file);
  KD_CHECK(src.meta.is_object() && src.meta.contains("config") && src.meta["config"].is_object(), src_file,
           ": meta has no \"config\" object (expected a kdface-train checkpoint)");

  Checkpoint cut;
  cut.step = src.step;
  cut.epoch = src.epoch;
  cut.meta = src.meta;
  for (const auto& [k, v] : src.model)
    if (!opt.backbone_only || starts_with(k, "backbone.")) cut.model.emplace(k, v);
  KD_CHECK(!cut.model.empty(), src_file, ": no model tensors to ship");

  const std::string stem = fs::path(opt.out).stem().string();
  const std::string name = opt.name.empty() ? stem : opt.name;
  if (fs::path(opt.out).has_parent_path()) fs::create_directories(fs::path(opt.out).parent_path());
  save_checkpoint(opt.out, cut);
  // What kdface-eval will load: refuse to ship a file it cannot read.
  const evaltool::LoadedBackbone lb = evaltool::load_backbone(opt.out);

  json manifest = {{"manifest_version", 1},
                   {"name", name},
                   {"file", fs::path(opt.out).filename().string()},
                   {"sha256", eval::sha256_file(opt.out)},
                   {"bytes", static_cast<int64_t>(fs::file_size(opt.out))},
                   {"parameters", lb.net->num_parameters()},
                   {"step", cut.step},
                   {"epoch", cut.epoch},
                   {"tensors", opt.backbone_only ? "backbone" : "model"},
                   {"commit", opt.commit},
                   {"commands", opt.commands},
                   {"config", src.meta["config"]},
                   {"source", {{"checkpoint", src_file}, {"sha256", eval::sha256_file(src_file)}}},
                   {"results", json::object()}};
  // A manifest from an earlier release of the same file keeps its results only when the file
  // is byte-identical (same weights, same meta).
  const std::string mpath = manifest_path_for(opt.out);
  if (fs::exists(mpath)) {
    const json old = read_json(mpath, "a kdface-release manifest");
    if (old.value("sha256", "") == manifest["sha256"] && old.contains("results")) manifest["results"] = old["results"];
  }
  write_file_atomic(mpath, manifest.dump(2) + "\n");
  return manifest;
}

json attach_report(const std::string& manifest_path, const std::string& report_path) {
  json manifest = read_json(manifest_path, "a kdface-release manifest");
  const std::string sha = need(manifest, "sha256", manifest_path).get<std::string>();
  const json report = read_json(report_path, "a kdface-eval report.json");
  KD_CHECK(report.value("tool", "") == "kdface-eval", report_path, ": \"tool\" is not \"kdface-eval\"");

  const json& models = need(report, "models", report_path);
  std::string model_name;
  std::string seen;
  for (const json& m : models) {
    if (m.value("sha256", "") == sha) model_name = m.value("name", "");
    seen += "\n  " + m.value("name", "?") + " " + m.value("sha256", "?");
  }
  KD_CHECK(!model_name.empty(), report_path, ": no model in it has SHA-256 ", sha, " (", manifest_path,
           "), so its figures are not of this file; it scored:", seen);

  json scored = json::object();
  for (const json& r : need(report, "results", report_path)) {
    if (r.value("model", "") != model_name) continue;
    double threshold = 0;
    int folds = 0;
    for (const json& f : need(r, "folds", report_path + ": results"))
      if (f.contains("threshold") && f["threshold"].is_number()) {
        threshold += f["threshold"].get<double>();
        ++folds;
      }
    json entry = {{"mean", r.at("mean")}, {"std", r.at("std")}, {"score", r.value("score", "")}};
    if (folds) entry["threshold"] = threshold / folds;
    scored[r.at("scoring").get<std::string>()][std::to_string(r.at("scale").get<int>())] = entry;
  }
  KD_CHECK(!scored.empty(), report_path, ": no results for model '", model_name, "'");
  const json& pairs = need(report, "pairs", report_path);
  scored["report"] = report_path;
  scored["pairs"] = {{"file", pairs.value("file", "")},
                     {"sha256", pairs.value("sha256", "")},
                     {"scored", pairs.value("pairs", 0)}};
  scored["command_line"] = report.value("command_line", "");
  scored["date"] = report.value("date", "");
  manifest["results"][results_key(report, report_path)] = scored;
  write_file_atomic(manifest_path, manifest.dump(2) + "\n");
  return manifest;
}

void verify_manifest(const std::string& manifest_path) {
  const json manifest = read_json(manifest_path, "a kdface-release manifest");
  const std::string file =
      (fs::path(manifest_path).parent_path() / need(manifest, "file", manifest_path).get<std::string>()).string();
  KD_CHECK(fs::exists(file), manifest_path, ": its model file ", file, " does not exist");
  const std::string want = need(manifest, "sha256", manifest_path).get<std::string>();
  const std::string got = eval::sha256_file(file);
  KD_CHECK(got == want, file, ": SHA-256 is ", got, " but ", manifest_path, " says ", want,
           " (the file was changed or damaged after it was released)");
}

}  // namespace kd::release
