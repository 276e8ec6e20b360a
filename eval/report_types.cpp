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

}  // namespace kd::eval
