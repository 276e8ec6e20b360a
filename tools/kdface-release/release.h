#pragma once
// Shipping a trained model: a kdface-train checkpoint cut down to what users load (the model
// tensors, no optimiser state or generator words), plus a manifest beside it that says what
// it is and how to make it again: its SHA-256, the run's resolved config, the commit and the
// commands, and the verification results of a kdface-eval report computed on this very file.
//
// Manifest <stem>.json (manifest_version 1):
//   name, file (relative to the manifest), sha256, bytes, parameters (backbone), step, epoch,
//   tensors ("model" = every model tensor | "backbone" = model.backbone.* only),
//   commit, commands [..], config (meta.config), source {checkpoint, sha256},
//   results: {"<degrade protocol>": {"report", "pairs", "<scoring>": {"<scale>": {
//              "mean", "std", "threshold", "score"}}}}   (filled by attach_report)
// "threshold" is the mean of the fold thresholds, in the scoring's units ("score").
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kd::release {

struct ReleaseOptions {
  std::string model;   // checkpoint file or run folder (its newest checkpoint)
  std::string out;     // <dir>/<stem>.safetensors; the manifest is <dir>/<stem>.json
  std::string name;    // default: the stem
  std::string commit;  // the commit whose code and config trained it (required)
  std::vector<std::string> commands;  // what reproduces it, in order (at least one)
  bool backbone_only = false;         // drop head, mimic and other training-only modules
};

// Writes both files atomically and returns the manifest. Throws naming the file and what
// was expected (missing config, no backbone tensors, empty commit, ...).
nlohmann::json release_model(const ReleaseOptions& opt);

// The manifest path for a shipped model file: the same stem, ".json".
std::string manifest_path_for(const std::string& model_file);

// Adds results[<report's degrade protocol>] from a kdface-eval report.json to the manifest.
// The report must have scored this exact file: its models[] entry is matched by SHA-256, so
// figures from another file (a checkpoint before it was cut down, a retrained model) are
// refused. Rewrites the manifest atomically and returns it.
nlohmann::json attach_report(const std::string& manifest_path, const std::string& report_path);

// Re-hashes the model file and compares it with the manifest; throws naming both on a
// mismatch or a missing file.
void verify_manifest(const std::string& manifest_path);

}  // namespace kd::release
