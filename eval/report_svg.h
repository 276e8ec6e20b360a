#pragma once
// Line charts as inline SVG for report.html: no scripts, no external fonts or stylesheets, no
// namespace URL (inline SVG in HTML5 does not need one), so the page renders offline.
#include <string>
#include <utility>
#include <vector>

namespace kd::eval {

struct SvgSeries {
  std::string label, colour;
  std::vector<double> x, y;
  std::vector<double> err;  // optional symmetric error bar per point (same length as y)
  bool markers = true;
};

struct SvgAxis {
  std::string title;
  double lo = 0, hi = 1;
  bool log10 = false;  // positions by log10(value); lo and hi must be > 0
  std::vector<std::pair<double, std::string>> ticks;  // value, label
};

struct SvgChart {
  std::string title;
  int width = 560, height = 380;
  SvgAxis x, y;
  std::vector<SvgSeries> series;
  bool legend_bottom_right = false;  // ROC curves fill the top left; put the legend elsewhere
};

std::string svg_chart(const SvgChart& c);

// Escapes &, <, > and " for HTML text and attributes.
std::string html_escape(const std::string& s);

// About `target` evenly spaced "nice" ticks (steps 1, 2 or 5 times a power of ten) in
// [lo, hi], labelled with `decimals` digits.
std::vector<std::pair<double, std::string>> nice_ticks(double lo, double hi, int target, int decimals);

// The report's series colours (colour-blind-safe order), cycling after eight.
const std::string& series_colour(size_t i);

}  // namespace kd::eval
