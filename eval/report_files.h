#pragma once
// Writes report.json, report.md, report.html and unscored_pairs.tsv into a folder (created if
// missing). Each file is written atomically, so a reader never sees half a report.
#include <string>

#include "eval/report_types.h"

namespace kd::eval {

void write_report_files(const std::string& dir, const EvalReport& r);

// Current UTC time as "2026-11-23T11:38:47Z".
std::string utc_timestamp();

}  // namespace kd::eval
