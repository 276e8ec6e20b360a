#pragma once
// What kdface-eval measured, in the form the report writers (report_json.h, report_markdown.h,
// report_html.h) turn into files. Filled by the evaluation run; nothing here touches models or
// images, so kd_eval stays engine-only.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/verification.h"

namespace kd::eval {

struct ReportModel {
  std::string name;        // the label in tables and legends
  std::string checkpoint;  // the file actually loaded (a run folder resolves to its newest)
  std::string sha256;      // of that file
  int64_t bytes = 0;
  int64_t step = 0;        // the checkpoint's training step
  int64_t parameters = 0;  // of the backbone
  nlohmann::json backbone = nlohmann::json::object();    // ResNeXtConfig::to_json()
  nlohmann::json run_config = nlohmann::json::object();  // the checkpoint's meta.config
};

// One (model, scoring protocol, scale) measurement.
struct ReportEntry {
  size_t model = 0;     // index into EvalReport::models
  std::string scoring;  // "askd" | "insightface"
  int scale = 1;
  VerificationResult result;
};

// A pair of the list that could not be scored because an image of it is missing, unreadable
// or not an aligned face (kdface-eval --on-missing skip).
struct UnscoredPair {
  int fold = 0;
  std::string a, b;    // as the list names them
  bool same = false;
  std::string reason;  // the failing image's error (side A's when both fail)
};

struct EvalReport {
  std::string date;          // UTC, ISO 8601
  std::string command_line;  // as typed, or a description when called from code
  // The pair list: file, format, root, sha256, pairs (scored), same, different, folds,
  // max_pairs, selected_pairs, unscored_pairs, unreadable_images, on_missing.
  nlohmann::json pairs = nlohmann::json::object();
  std::vector<UnscoredPair> unscored;  // in list order; written to unscored_pairs.tsv
  std::vector<std::string> scoring;  // protocols, in the order they were asked for
  std::vector<int> scales;
  bool cross = false;  // side A clean, side B degraded (else both sides degraded)
  bool adabn = false;
  nlohmann::json degrade = nlohmann::json::object();  // data::degrade_spec_to_json
  nlohmann::json views = nlohmann::json::object();    // the view / seed rules, for the reader
  std::vector<ReportModel> models;
  std::vector<ReportEntry> entries;
  nlohmann::json timing = nlohmann::json::object();  // per model: seconds, images/s

  // The entry for (model, scoring, scale); throws naming all three when it is missing.
  const ReportEntry& at(size_t model, const std::string& scoring, int scale) const;
};

// "97.12 ± 0.45": accuracy and population std over folds, in percent with two decimals.
std::string format_accuracy(const VerificationResult& r);
// The FAR targets the results carry (those of the first entry; all entries share them).
std::vector<double> far_targets(const EvalReport& r);
// "×4"
std::string scale_label(int scale);
// "" when every selected pair was scored, else one sentence: how many pairs could not be
// scored, why, and that the accuracies are over the others (console, report.md, report.html).
std::string unscored_summary(const EvalReport& r);
// unscored_pairs.tsv: a header line, then "fold a b same reason" per unscored pair.
std::string unscored_pairs_tsv(const EvalReport& r);

}  // namespace kd::eval
