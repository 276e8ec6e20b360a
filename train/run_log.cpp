#include "train/run_log.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "engine/atomic_file.h"
#include "engine/check.h"

namespace kd::train {

RunLog::RunLog(const std::string& run_dir, bool enabled) : path_(run_dir + "/log.jsonl"), enabled_(enabled) {}

void RunLog::write(const nlohmann::json& line) {
  if (!enabled_) return;
  std::FILE* f = std::fopen(path_.c_str(), "a");
  KD_CHECK(f, "cannot append to ", path_, ": ", std::strerror(errno));
  std::string s = line.dump() + "\n";
  size_t n = std::fwrite(s.data(), 1, s.size(), f);
  int e = n == s.size() ? 0 : errno;
  int rc = std::fclose(f);
  if (rc != 0 && e == 0) e = errno;
  KD_CHECK(n == s.size() && rc == 0, "writing ", path_, " failed: ", std::strerror(e));
}

void RunLog::truncate_after(int64_t step) {
  if (!enabled_) return;
  std::ifstream in(path_);
  if (!in) return;
  std::ostringstream kept;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    // A torn last line (killed mid-write) is dropped too.
    if (j.is_discarded()) continue;
    if (j.contains("step") && j["step"].is_number_integer() && j["step"].get<int64_t>() > step) continue;
    kept << line << "\n";
  }
  write_file_atomic(path_, kept.str());
}

std::string format_losses(const std::map<std::string, double>& v) {
  std::string out;
  char buf[64];
  auto it = v.find("total");
  if (it != v.end()) {
    std::snprintf(buf, sizeof buf, "loss %.4f", it->second);
    out += buf;
  }
  for (auto& [k, x] : v) {
    if (k == "total") continue;
    std::snprintf(buf, sizeof buf, " %s %.4f", k.c_str(), x);
    out += buf;
  }
  return out;
}

}  // namespace kd::train
