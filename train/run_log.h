#pragma once
// <run>/log.jsonl: one JSON object per line (events: start, step, eval, checkpoint, nan, end),
// appended and flushed line by line so a killed run leaves a readable log.
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace kd::train {

class RunLog {
 public:
  // enabled = false (the ranks other than 0 of a data-parallel run): every call is a no-op.
  explicit RunLog(const std::string& run_dir, bool enabled = true);
  void write(const nlohmann::json& line);
  // Drops "step"/"eval"/"checkpoint" lines after `step` (what a killed run logged past its
  // last checkpoint), so a resumed run's log reads as one uninterrupted run.
  void truncate_after(int64_t step);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool enabled_;
};

// "total 1.234 cls 1.1 kd_logit 0.13" for the progress line.
std::string format_losses(const std::map<std::string, double>& v);

}  // namespace kd::train
