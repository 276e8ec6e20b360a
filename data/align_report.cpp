#include "data/align_report.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/check.h"

namespace fs = std::filesystem;

namespace kd::data {

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

std::string one_field(std::string s) {
  for (auto& ch : s)
    if (ch == '\t' || ch == '\n' || ch == '\r') ch = ' ';
  return s.empty() ? "-" : s;
}

}  // namespace

AlignReport read_align_report(const std::string& file) {
  std::ifstream f(file);
  KD_CHECK(f.good(), "cannot open align report ", file);
  AlignReport rep;
  rep.file = file;
  std::string line;
  KD_CHECK(std::getline(f, line) && line.rfind(kAlignReportMagic, 0) == 0, file,
           ": not an align report of kdface-data align (its first line must start with '", kAlignReportMagic, "')");
  rep.legacy = line.find("layout=status") == std::string::npos;
  std::map<std::string, int> seen;
  for (int n = 2; std::getline(f, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (line.rfind("# summary: ", 0) == 0) rep.summary = line.substr(11);
      continue;
    }
    std::vector<std::string> c = split_tabs(line);
    AlignReportRow row;
    if (rep.legacy) {
      KD_CHECK(c.size() == 2, file, ":", n, ": expected 'path<TAB>reason' (legacy layout), got ", c.size(), " fields");
      row = AlignReportRow{c[0], "skipped", "-", "-", c[1]};
    } else {
      KD_CHECK(c.size() == 5, file, ":", n, ": expected 5 tab-separated fields (path, status, method, box, reason), got ",
               c.size());
      row = AlignReportRow{c[0], c[1], c[2], c[3], c[4]};
      KD_CHECK(row.status == "aligned" || row.status == "center" || row.status == "skipped", file, ":", n,
               ": unknown status '", row.status, "' (expected aligned, center or skipped)");
    }
    KD_CHECK(!row.path.empty(), file, ":", n, ": empty path");
    auto [it, fresh] = seen.emplace(row.path, n);
    KD_CHECK(fresh, file, ":", n, ": '", row.path, "' is already listed on line ", it->second);
    rep.rows.push_back(std::move(row));
  }
  return rep;
}

std::string align_report_line(const AlignReportRow& r) {
  std::ostringstream os;
  os << one_field(r.path) << '\t' << one_field(r.status) << '\t' << one_field(r.method) << '\t' << one_field(r.box)
     << '\t' << one_field(r.reason) << '\n';
  return os.str();
}

struct AlignReports::Loaded {
  std::string file;
  std::map<std::string, AlignReportRow> rows;
};

AlignReports::AlignReports(std::string root) : root_(std::move(root)) {}
AlignReports::~AlignReports() = default;

const AlignReportRow* AlignReports::find(const std::string& rel, std::string* report_file) {
  // The folders on rel's path, outermost first: "", "a", "a/b" for "a/b/x.jpg".
  std::vector<fs::path> dirs{fs::path()};
  const fs::path p(rel);
  for (auto it = p.begin(); it != p.end() && std::next(it) != p.end(); ++it) dirs.push_back(dirs.back() / *it);
  for (const fs::path& dir : dirs) {
    auto& slot = by_dir_[dir.generic_string()];
    if (!slot) {
      slot = std::make_unique<Loaded>();
      const fs::path file = fs::path(root_) / dir / "align_report.tsv";
      std::error_code ec;
      if (fs::is_regular_file(file, ec)) {
        slot->file = file.string();
        for (auto& row : read_align_report(slot->file).rows) slot->rows.emplace(row.path, row);
      }
    }
    const std::string key = dir.empty() ? p.generic_string() : p.lexically_relative(dir).generic_string();
    auto hit = slot->rows.find(key);
    if (hit != slot->rows.end()) {
      if (report_file) *report_file = slot->file;
      return &hit->second;
    }
  }
  return nullptr;
}

}  // namespace kd::data
