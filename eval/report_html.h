#pragma once
// report.html: one self-contained page (inline CSS and SVG, no scripts, no network) with, per
// scoring protocol, the accuracy table, TAR@FAR tables, an accuracy-vs-scale chart and one
// ROC chart per scale.
#include <string>

#include "eval/report_types.h"

namespace kd::eval {

std::string report_html(const EvalReport& r);

}  // namespace kd::eval
