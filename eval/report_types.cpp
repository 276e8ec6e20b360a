#include "eval/report_types.h"

#include <cstdio>

#include "engine/check.h"

namespace kd::eval {

const ReportEntry& EvalReport::at(size_t model, const std::string& scoring_name, int scale) const {
  for (const ReportEntry& e : entries)
    if (e.model == model && e.scoring == scoring_name && e.scale == scale) return e;
  KD_FAIL("report: no result for model ", model, " (", model < models.size() ? models[model].name : "?",
          "), scoring '", scoring_name, "', scale ", scale);
}

std::string format_accuracy(const VerificationResult& r) {
  char b[64];
  std::snprintf(b, sizeof b, "%.2f \xC2\xB1 %.2f", 100.0 * r.mean, 100.0 * r.std);
  return b;
}

std::vector<double> far_targets(const EvalReport& r) {
  std::vector<double> out;
  if (!r.entries.empty())
    for (const TarAtFar& t : r.entries.front().result.tar_at_far) out.push_back(t.far_target);
  return out;
}

std::string scale_label(int scale) { return "\xC3\x97" + std::to_string(scale); }

std::string unscored_summary(const EvalReport& r) {
  if (r.unscored.empty()) return "";
  const int64_t selected = r.pairs.value("selected_pairs", int64_t(0));
  const int64_t scored = r.pairs.value("pairs", int64_t(0));
  return kd::str(r.unscored.size(), " of ", selected, " pairs could not be scored (",
                 r.pairs.value("unreadable_images", int64_t(0)),
                 " images missing, unreadable or not aligned); accuracy, TAR and ROC are over the ", scored,
                 " scored pairs; every unscored pair is listed in unscored_pairs.tsv");
}

std::string unscored_pairs_tsv(const EvalReport& r) {
  std::string s = "# fold\timage_a\timage_b\tsame\treason  (pairs kdface-eval could not score)\n";
  for (const UnscoredPair& u : r.unscored) {
    std::string reason = u.reason;
    for (char& c : reason)
      if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    s += kd::str(u.fold, "\t", u.a, "\t", u.b, "\t", u.same ? 1 : 0, "\t", reason, "\n");
  }
  return s;
}

}  // namespace kd::eval
