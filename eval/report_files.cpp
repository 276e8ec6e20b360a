#include "eval/report_files.h"

#include <ctime>
#include <filesystem>

#include "engine/atomic_file.h"
#include "engine/check.h"
#include "eval/report_html.h"
#include "eval/report_json.h"
#include "eval/report_markdown.h"

namespace kd::eval {

void write_report_files(const std::string& dir, const EvalReport& r) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  KD_CHECK(!ec && std::filesystem::is_directory(dir), "report: cannot create output folder '", dir, "': ", ec.message());
  write_file_atomic(dir + "/report.json", report_to_json(r).dump(1) + "\n");
  write_file_atomic(dir + "/report.md", report_markdown(r));
  write_file_atomic(dir + "/report.html", report_html(r));
  // Always written, so a stale list from an earlier run in the same folder cannot mislead.
  write_file_atomic(dir + "/unscored_pairs.tsv", unscored_pairs_tsv(r));
}

std::string utc_timestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

}  // namespace kd::eval
