#pragma once
// kdface-verify's decision threshold when none is given: from the model's kdface-release
// manifest, or from a kdface-eval report. The score is insightface's (verification.h): e = normalise(emb(view) + emb(flipped
// view)), similarity = cos(e_a, e_b) = 1 - ||e_a - e_b||^2 / 2, so a manifest's insightface
// threshold t (squared L2) is the similarity 1 - t / 2. A-SKD's score centres features on the
// mean of a whole evaluation set, which one pair does not have.
#include <optional>
#include <string>

namespace kd::verifytool {

struct Threshold {
  double similarity = 0;  // same person iff similarity > this
  std::string source;     // where it came from, for the reader
};

// From the manifest beside model_file (kdface-release): results.<paper|askd|any>.insightface
// at scale (as given, else 1) -> mean fold threshold, as a similarity. Nothing when there is
// no manifest or it has no insightface results; throws when the manifest is malformed.
std::optional<Threshold> manifest_threshold(const std::string& model_file, int scale = 1);

// From a kdface-eval report.json run with insightface scoring: the entry of `model` (its
// --name; may be empty when the report has one model) at scale. Throws naming the report
// when it has no such entry (listing what it has) or no insightface scoring.
Threshold report_threshold(const std::string& report_path, const std::string& model, int scale = 1);

}  // namespace kd::verifytool
