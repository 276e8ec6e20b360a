#pragma once
// report.json: every number kdface-eval measured, with what it was measured on. Layout in
// docs/evaluation.md, "kdface-eval".
#include <nlohmann/json.hpp>

#include "eval/report_types.h"

namespace kd::eval {

nlohmann::json report_to_json(const EvalReport& r);

}  // namespace kd::eval
