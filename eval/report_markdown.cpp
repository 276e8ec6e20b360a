#include "eval/report_markdown.h"

#include <cstdio>

#include "engine/check.h"

namespace kd::eval {

namespace {

// A '|' in a model name would split the cell.
std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string header(const EvalReport& r) {
  std::string s = "| Model |";
  std::string rule = "|:--|";
  for (int sc : r.scales) {
    s += " " + scale_label(sc) + " |";
    rule += "--:|";
  }
  return s + "\n" + rule + "\n";
}

std::string percent(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", 100.0 * v);
  return b;
}

}  // namespace

std::string report_markdown(const EvalReport& r) {
  std::string md = "# kdface-eval report\n\n";
  const int64_t n_pairs = r.pairs.value("pairs", int64_t(0));
  md += kd::str("- Pairs: `", r.pairs.value("file", std::string("?")), "` (", r.pairs.value("format", std::string("?")),
                ", ", n_pairs, " pairs, ", r.pairs.value("folds", 0), " folds, sha256 `",
                r.pairs.value("sha256", std::string("?")), "`)\n");
  const std::string unscored = unscored_summary(r);
  md += unscored.empty() ? kd::str("- Every selected pair was scored\n") : kd::str("- **Unscored pairs:** ", unscored, "\n");
  md += kd::str("- Degradation: `", r.degrade.value("protocol", std::string("?")), "`, ",
                r.cross ? "cross-resolution (side A clean, side B degraded)" : "both sides degraded",
                r.adabn ? ", AdaBN re-estimated per scale" : "", "; ×1 = clean\n");
  md += "- Date: " + r.date + "\n";
  md += "- Command: `" + r.command_line + "`\n";
  md += "- Models:\n";
  for (const ReportModel& m : r.models)
    md += kd::str("  - ", cell(m.name), ": `", m.checkpoint, "` (step ", m.step, ", ", m.parameters,
                  " parameters, sha256 `", m.sha256, "`)\n");
  for (const std::string& sp : r.scoring) {
    md += "\n## Verification accuracy (%), " + sp + " protocol\n\n";
    md += "Mean ± population std over the folds.\n\n" + header(r);
    for (size_t mi = 0; mi < r.models.size(); ++mi) {
      md += "| " + cell(r.models[mi].name) + " |";
      for (int sc : r.scales) md += " " + format_accuracy(r.at(mi, sp, sc).result) + " |";
      md += "\n";
    }
    for (double far : far_targets(r)) {
      char t[32];
      std::snprintf(t, sizeof t, "%g", far);
      md += kd::str("\n### TAR (%) at FAR = ", t, ", ", sp, " protocol\n\n", header(r));
      for (size_t mi = 0; mi < r.models.size(); ++mi) {
        md += "| " + cell(r.models[mi].name) + " |";
        for (int sc : r.scales) md += " " + percent(r.at(mi, sp, sc).result.tar_at(far)) + " |";
        md += "\n";
      }
    }
  }
  return md;
}

}  // namespace kd::eval
