#pragma once
// report.md: the tables a paper prints (seed paper 000, Tables 1-4): one row per model, one
// column per scale, cells "accuracy ± std" in percent; then TAR@FAR tables the same shape.
#include <string>

#include "eval/report_types.h"

namespace kd::eval {

std::string report_markdown(const EvalReport& r);

}  // namespace kd::eval
