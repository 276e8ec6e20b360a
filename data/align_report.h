#pragma once
// align_report.tsv, the per-input record `kdface-data align` writes beside its outputs, and
// the lookup `kdface-data pack` does in it. Format in docs/data.md, "<out>/align_report.tsv".
// No OpenCV: it is text.
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kd::data {

// First line of a report; "layout=status" follows it since every input is listed.
inline constexpr const char* kAlignReportMagic = "# kdface-data align report";
inline constexpr const char* kAlignReportColumns = "# relative_path\tstatus\tmethod\tbox\treason";

struct AlignReportRow {
  std::string path;    // input path relative to align's --in
  std::string status;  // aligned | center | skipped
  std::string method;  // dlib68 | profile-box | frontal-box | center | celeba-fixed | -
  std::string box;     // "left,top,right,bottom" in source pixels, or "-"
  std::string reason;  // "-" when there is nothing to say
};

struct AlignReport {
  std::string file;
  bool legacy = false;  // the earlier layout: only images not aligned, as "path<TAB>reason"
  std::vector<AlignReportRow> rows;
  std::string summary;  // the "# summary: ..." line without its prefix, or ""
};

// Reads a report of either layout (legacy rows come back as status "skipped", method "-").
// Throws naming the file and line for anything else: a missing header, a wrong column count,
// an unknown status, a path listed twice.
AlignReport read_align_report(const std::string& file);

// One report line (tabs and newlines inside fields become spaces; empty fields become "-").
std::string align_report_line(const AlignReportRow& row);

// What the align reports under a folder say about a file in it. A file rel is looked up in
// root/align_report.tsv as rel, then in root/<d>/align_report.tsv as the rest of rel for every
// folder d on its path, so a pool of align runs, one per sub-folder, answers as one report.
// Reports are read once, on first use.
class AlignReports {
 public:
  explicit AlignReports(std::string root);
  ~AlignReports();
  // The row for rel, or nullptr when no report lists it. *report_file names the report.
  const AlignReportRow* find(const std::string& rel, std::string* report_file = nullptr);

 private:
  struct Loaded;
  std::string root_;
  std::map<std::string, std::unique_ptr<Loaded>> by_dir_;  // relative folder -> its report (or none)
};

}  // namespace kd::data
