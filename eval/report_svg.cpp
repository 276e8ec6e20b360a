#include "eval/report_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/check.h"

namespace kd::eval {

namespace {

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

// Plot-area margins: room for tick labels on the left and the axis title below.
constexpr double kLeft = 64, kRight = 16, kTop = 34, kBottom = 52;

struct Mapper {
  const SvgAxis& ax;
  double from, to;  // pixel positions of ax.lo and ax.hi
  double operator()(double v) const {
    double a = ax.lo, b = ax.hi;
    if (ax.log10) {
      v = std::log10(std::max(v, ax.lo));
      a = std::log10(a);
      b = std::log10(b);
    }
    v = std::min(std::max(v, std::min(a, b)), std::max(a, b));
    return from + (v - a) / (b - a) * (to - from);
  }
};

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::pair<double, std::string>> nice_ticks(double lo, double hi, int target, int decimals) {
  KD_CHECK(hi > lo && target >= 2, "nice_ticks: expected hi > lo and target >= 2, got [", lo, ", ", hi, "], ", target);
  const double raw = (hi - lo) / target, p = std::pow(10.0, std::floor(std::log10(raw)));
  double step = p;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  std::vector<std::pair<double, std::string>> out;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", decimals, std::abs(v) < 1e-12 ? 0.0 : v);
    out.emplace_back(v, b);
  }
  return out;
}

const std::string& series_colour(size_t i) {
  static const std::vector<std::string> c = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                             "#E69F00", "#56B4E9", "#000000", "#8C564B"};
  return c[i % c.size()];
}

std::string svg_chart(const SvgChart& c) {
  KD_CHECK(c.x.hi > c.x.lo && c.y.hi > c.y.lo, "svg_chart '", c.title, "': empty axis range");
  KD_CHECK(!c.x.log10 || c.x.lo > 0, "svg_chart '", c.title, "': a log axis needs lo > 0");
  const double W = c.width, H = c.height;
  const double x0 = kLeft, x1 = W - kRight, y0 = H - kBottom, y1 = kTop;
  Mapper mx{c.x, x0, x1}, my{c.y, y0, y1};
  std::string s = kd::str("<svg width=\"", c.width, "\" height=\"", c.height, "\" viewBox=\"0 0 ", c.width, " ",
                          c.height, "\" role=\"img\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"13\">\n");
  s += "<title>" + html_escape(c.title) + "</title>\n";
  s += kd::str("<rect x=\"0\" y=\"0\" width=\"", c.width, "\" height=\"", c.height, "\" fill=\"#ffffff\"/>\n");
  s += kd::str("<text x=\"", num(W / 2), "\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">",
               html_escape(c.title), "</text>\n");
  // Grid and tick labels.
  for (auto& [v, label] : c.x.ticks) {
    double px = mx(v);
    s += kd::str("<line x1=\"", num(px), "\" y1=\"", num(y0), "\" x2=\"", num(px), "\" y2=\"", num(y1),
                 "\" stroke=\"#dddddd\"/>\n");
    s += kd::str("<text x=\"", num(px), "\" y=\"", num(y0 + 18), "\" text-anchor=\"middle\">", html_escape(label),
                 "</text>\n");
  }
  for (auto& [v, label] : c.y.ticks) {
    double py = my(v);
    s += kd::str("<line x1=\"", num(x0), "\" y1=\"", num(py), "\" x2=\"", num(x1), "\" y2=\"", num(py),
                 "\" stroke=\"#dddddd\"/>\n");
    s += kd::str("<text x=\"", num(x0 - 6), "\" y=\"", num(py + 4), "\" text-anchor=\"end\">", html_escape(label),
                 "</text>\n");
  }
  s += kd::str("<rect x=\"", num(x0), "\" y=\"", num(y1), "\" width=\"", num(x1 - x0), "\" height=\"", num(y0 - y1),
               "\" fill=\"none\" stroke=\"#444444\"/>\n");
  s += kd::str("<text x=\"", num((x0 + x1) / 2), "\" y=\"", num(H - 12), "\" text-anchor=\"middle\">",
               html_escape(c.x.title), "</text>\n");
  s += kd::str("<text transform=\"translate(16,", num((y0 + y1) / 2), ") rotate(-90)\" text-anchor=\"middle\">",
               html_escape(c.y.title), "</text>\n");
  // Series.
  for (const SvgSeries& se : c.series) {
    KD_CHECK(se.x.size() == se.y.size() && (se.err.empty() || se.err.size() == se.y.size()), "svg_chart '", c.title,
             "': series '", se.label, "' has ", se.x.size(), " x, ", se.y.size(), " y and ", se.err.size(),
             " error values");
    std::string pts;
    for (size_t i = 0; i < se.x.size(); ++i) pts += num(mx(se.x[i])) + "," + num(my(se.y[i])) + " ";
    s += "<polyline fill=\"none\" stroke=\"" + se.colour + "\" stroke-width=\"2\" points=\"" + pts + "\"/>\n";
    for (size_t i = 0; i < se.x.size(); ++i) {
      double px = mx(se.x[i]), py = my(se.y[i]);
      if (!se.err.empty() && se.err[i] > 0) {
        double a = my(se.y[i] - se.err[i]), b = my(se.y[i] + se.err[i]);
        s += kd::str("<path d=\"M", num(px), ",", num(a), "V", num(b), "M", num(px - 4), ",", num(a), "h8M", num(px - 4),
                     ",", num(b), "h8\" stroke=\"", se.colour, "\" stroke-width=\"1.5\"/>\n");
      }
      if (se.markers)
        s += kd::str("<circle cx=\"", num(px), "\" cy=\"", num(py), "\" r=\"3.5\" fill=\"", se.colour, "\"/>\n");
    }
  }
  // Legend: a swatch and the label per series, in a white box inside the plot.
  if (!c.series.empty()) {
    size_t longest = 0;
    for (auto& se : c.series) longest = std::max(longest, se.label.size());
    const double lw = 40 + 7.5 * double(longest), lh = 8 + 20 * double(c.series.size());
    const double lx = c.legend_bottom_right ? x1 - lw - 8 : x0 + 8;
    const double ly = c.legend_bottom_right ? y0 - lh - 8 : y1 + 8;
    s += kd::str("<rect x=\"", num(lx), "\" y=\"", num(ly), "\" width=\"", num(lw), "\" height=\"", num(lh),
                 "\" fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#999999\"/>\n");
    for (size_t i = 0; i < c.series.size(); ++i) {
      double cy = ly + 14 + 20 * double(i);
      s += kd::str("<line x1=\"", num(lx + 6), "\" y1=\"", num(cy), "\" x2=\"", num(lx + 28), "\" y2=\"", num(cy),
                   "\" stroke=\"", c.series[i].colour, "\" stroke-width=\"3\"/>\n");
      s += kd::str("<text x=\"", num(lx + 34), "\" y=\"", num(cy + 4), "\">", html_escape(c.series[i].label),
                   "</text>\n");
    }
  }
  return s + "</svg>\n";
}

}  // namespace kd::eval
