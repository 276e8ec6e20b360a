#include "eval/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/check.h"
#include "eval/report_svg.h"

namespace kd::eval {

namespace {

std::string percent(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", 100.0 * v);
  return b;
}

std::string table(const EvalReport& r, const std::string& sp, const std::string& caption,
                  std::string (*cell)(const VerificationResult&, double), double arg) {
  std::string h = "<table>\n<caption>" + html_escape(caption) + "</caption>\n<tr><th>Model</th>";
  for (int sc : r.scales) h += "<th>" + scale_label(sc) + "</th>";
  h += "</tr>\n";
  for (size_t mi = 0; mi < r.models.size(); ++mi) {
    h += "<tr><td class=\"name\"><span class=\"swatch\" style=\"background:" + series_colour(mi) + "\"></span>" +
         html_escape(r.models[mi].name) + "</td>";
    for (int sc : r.scales) h += "<td>" + cell(r.at(mi, sp, sc).result, arg) + "</td>";
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

std::string accuracy_cell(const VerificationResult& v, double) { return format_accuracy(v); }
std::string tar_cell(const VerificationResult& v, double far) { return percent(v.tar_at(far)); }

std::string accuracy_chart(const EvalReport& r, const std::string& sp) {
  SvgChart c;
  c.title = "Accuracy vs. scale (" + sp + ")";
  c.x.title = "degradation scale";
  c.y.title = "accuracy (%), mean \xC2\xB1 std over folds";
  c.x.lo = -0.3;
  c.x.hi = double(r.scales.size()) - 0.7;
  for (size_t i = 0; i < r.scales.size(); ++i) c.x.ticks.emplace_back(double(i), scale_label(r.scales[i]));
  double lo = 100, hi = 0;
  for (size_t mi = 0; mi < r.models.size(); ++mi) {
    SvgSeries s;
    s.label = r.models[mi].name;
    s.colour = series_colour(mi);
    // Models side by side around each scale, so equal accuracies do not hide each other's bars.
    const double dodge = 0.05 * (double(mi) - 0.5 * double(r.models.size() - 1));
    for (size_t i = 0; i < r.scales.size(); ++i) {
      const VerificationResult& v = r.at(mi, sp, r.scales[i]).result;
      s.x.push_back(double(i) + dodge);
      s.y.push_back(100 * v.mean);
      s.err.push_back(100 * v.std);
      lo = std::min(lo, 100 * (v.mean - v.std));
      hi = std::max(hi, 100 * (v.mean + v.std));
    }
    c.series.push_back(std::move(s));
  }
  // Zoom to the data (papers' accuracies differ by a few points), in whole 5 % steps.
  c.y.lo = std::max(0.0, std::floor(lo / 5 - 1e-9) * 5);
  c.y.hi = std::min(100.0, std::ceil(hi / 5 + 1e-9) * 5);
  if (c.y.hi <= c.y.lo) c.y.hi = c.y.lo + 5;
  c.y.ticks = nice_ticks(c.y.lo, c.y.hi, 6, c.y.hi - c.y.lo < 10 ? 1 : 0);
  c.legend_bottom_right = false;
  return svg_chart(c);
}

std::string roc_chart(const EvalReport& r, const std::string& sp, int scale) {
  SvgChart c;
  c.title = "ROC " + scale_label(scale) + " (" + sp + ")";
  c.width = 440;
  c.height = 360;
  c.x.title = "false accept rate (log scale)";
  c.y.title = "true accept rate";
  c.x.log10 = true;
  // The smallest non-zero FAR a curve reaches is 1 / #different: start at its decade.
  double min_far = 1;
  for (size_t mi = 0; mi < r.models.size(); ++mi)
    for (double f : r.at(mi, sp, scale).result.roc_far)
      if (f > 0) min_far = std::min(min_far, f);
  const int decade = std::min(int(std::floor(std::log10(min_far))), -1);
  c.x.lo = std::pow(10.0, decade);
  c.x.hi = 1;
  for (int d = int(std::round(std::log10(c.x.lo))); d <= 0; ++d) {
    char b[16];
    std::snprintf(b, sizeof b, "1e%d", d);
    c.x.ticks.emplace_back(std::pow(10.0, d), d == 0 ? "1" : b);
  }
  c.y.lo = 0;
  c.y.hi = 1;
  c.y.ticks = nice_ticks(0, 1, 5, 1);
  c.legend_bottom_right = true;
  for (size_t mi = 0; mi < r.models.size(); ++mi) {
    const VerificationResult& v = r.at(mi, sp, scale).result;
    SvgSeries s;
    s.label = r.models[mi].name;
    s.colour = series_colour(mi);
    s.markers = false;
    // FAR = 0 points sit on the left edge (log scale has no zero).
    for (size_t i = 0; i < v.roc_far.size(); ++i) {
      s.x.push_back(std::max(v.roc_far[i], c.x.lo));
      s.y.push_back(v.roc_tar[i]);
    }
    c.series.push_back(std::move(s));
  }
  return svg_chart(c);
}

const char* kStyle = R"(body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:15px;color:#222;margin:24px;max-width:1400px}
h1{font-size:24px}h2{font-size:20px;margin-top:32px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:12px 0 20px 0}caption{text-align:left;font-weight:bold;padding:4px 0}
th,td{border:1px solid #bbb;padding:5px 12px;text-align:right;font-variant-numeric:tabular-nums}
th{background:#f0f0f0}td.name{text-align:left}
.swatch{display:inline-block;width:12px;height:12px;margin-right:8px;vertical-align:middle}
.charts{display:flex;flex-wrap:wrap;gap:16px}.meta td,.meta th{text-align:left;font-size:13px}
code{font-size:13px;word-break:break-all}
)";

}  // namespace

std::string report_html(const EvalReport& r) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>kdface-eval report</title>\n";
  h += std::string("<style>\n") + kStyle + "</style>\n</head>\n<body>\n<h1>kdface-eval report</h1>\n";
  h += "<table class=\"meta\">\n";
  auto row = [&](const std::string& k, const std::string& v) {
    h += "<tr><th>" + html_escape(k) + "</th><td>" + v + "</td></tr>\n";
  };
  row("Date", html_escape(r.date));
  row("Pairs", kd::str("<code>", html_escape(r.pairs.value("file", std::string("?"))), "</code> (",
                       html_escape(r.pairs.value("format", std::string("?"))), ", ", r.pairs.value("pairs", int64_t(0)),
                       " pairs: ", r.pairs.value("same", int64_t(0)), " same, ", r.pairs.value("different", int64_t(0)),
                       " different, ", r.pairs.value("folds", 0), " folds)"));
  const std::string unscored = unscored_summary(r);
  row("Unscored pairs", unscored.empty() ? std::string("none: every selected pair was scored")
                                         : "<strong>" + html_escape(unscored) + "</strong>");
  row("Pair file SHA-256", "<code>" + html_escape(r.pairs.value("sha256", std::string("?"))) + "</code>");
  row("Degradation",
      html_escape(r.degrade.value("protocol", std::string("?"))) + ", " +
          (r.cross ? "cross-resolution: side A clean, side B degraded" : "both sides degraded") +
          (r.adabn ? ", AdaBN statistics re-estimated per scale" : "") + "; \xC3\x97" "1 = clean");
  for (const ReportModel& m : r.models)
    row("Model " + m.name, kd::str("<code>", html_escape(m.checkpoint), "</code>, step ", m.step, ", ", m.parameters,
                                   " parameters, SHA-256 <code>", html_escape(m.sha256), "</code>"));
  row("Command", "<code>" + html_escape(r.command_line) + "</code>");
  h += "</table>\n";
  for (const std::string& sp : r.scoring) {
    h += "<h2>" + html_escape(sp) + " protocol</h2>\n";
    h += table(r, sp, "Verification accuracy (%), mean \xC2\xB1 population std over folds", accuracy_cell, 0);
    for (double far : far_targets(r)) {
      char t[32];
      std::snprintf(t, sizeof t, "%g", far);
      h += table(r, sp, std::string("TAR (%) at FAR = ") + t, tar_cell, far);
    }
    h += "<div class=\"charts\">\n" + accuracy_chart(r, sp) + "</div>\n<div class=\"charts\">\n";
    for (int sc : r.scales) h += roc_chart(r, sp, sc);
    h += "</div>\n";
  }
  return h + "</body>\n</html>\n";
}

}  // namespace kd::eval
