// `kdface-data align` and `pack` as a user runs them (the binary, in a temporary folder):
// every input gets one line in align_report.tsv, --on-miss center writes a crop, and a pool
// of per-folder align runs packs as one, skipping what align skipped.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "data/align_report.h"
#include "data/cv/imgio.h"
#include "engine/atomic_file.h"
#include "tests/support/shared_dir.h"

namespace fs = std::filesystem;
using namespace kd::data;

namespace {

using kdtest::shared_dir;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("kdface_test_align_cmd_" + std::to_string(getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// Runs a command line; returns its exit status, with stdout + stderr in *output.
int run(const std::string& cmd, const fs::path& log, std::string* output) {
  const int rc = std::system((cmd + " >" + log.string() + " 2>&1").c_str());
  *output = kd::read_file(log.string());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::map<std::string, AlignReportRow> rows_of(const fs::path& report) {
  std::map<std::string, AlignReportRow> m;
  for (auto& r : read_align_report(report.string()).rows) m[r.path] = r;
  return m;
}

// Six inputs: a real photograph, images without a face, a corrupt file and an output-name
// collision (a.png and a.jpg both become a.jpg).
void make_inputs(const fs::path& in) {
  fs::create_directories(in / "sub");
  fs::copy_file(shared_dir() / "data/celeba/wild/000114.jpg", in / "sub/000114.jpg");
  Image grey(200, 160, 3);
  std::fill(grey.px.begin(), grey.px.end(), 128);
  write_image((in / "grey.png").string(), grey);
  write_image((in / "a.png").string(), grey);
  write_image((in / "a.jpg").string(), grey);
  std::ofstream f(in / "corrupt.jpg", std::ios::binary);
  for (int i = 0; i < 4096; ++i) f.put(char((i * 7919 + 13) & 0xFF));
}

}  // namespace

TEST_CASE("align lists every input in align_report.tsv with its status, method and reason") {
  REQUIRE(fs::is_regular_file(shared_dir() / "data/celeba/wild/000114.jpg"));
  TempDir t;
  make_inputs(t.path / "in");
  std::string out;
  const std::string bin = KDFACE_DATA_BIN;
  REQUIRE(run(bin + " align --threads 1 --in " + (t.path / "in").string() + " --out " + (t.path / "skip").string(),
              t.path / "log", &out) == 0);
  INFO(out);
  auto rows = rows_of(t.path / "skip/align_report.tsv");
  REQUIRE(rows.size() == 5);  // every input once
  CHECK(rows["sub/000114.jpg"].status == "aligned");
  CHECK(rows["sub/000114.jpg"].method == "dlib68");
  CHECK(rows["sub/000114.jpg"].box != "-");
  CHECK(rows["grey.png"].status == "skipped");
  CHECK(rows["grey.png"].reason == "no face found");
  CHECK(rows["a.jpg"].status == "skipped");
  CHECK(rows["a.png"].status == "skipped");
  CHECK_THAT(rows["a.png"].reason, Catch::Contains("already used by a.jpg"));
  CHECK(rows["corrupt.jpg"].status == "skipped");
  CHECK_THAT(rows["corrupt.jpg"].reason, Catch::StartsWith("unreadable file: ") && Catch::Contains("corrupt.jpg"));
  CHECK(fs::exists(t.path / "skip/sub/000114.jpg"));
  CHECK_FALSE(fs::exists(t.path / "skip/grey.jpg"));
  // landmarks.tsv keeps landmark-aligned faces only: two header lines and one row.
  const std::string lm = kd::read_file((t.path / "skip/landmarks.tsv").string());
  CHECK(std::count(lm.begin(), lm.end(), '\n') == 3);
  CHECK_THAT(lm, Catch::Contains("\nsub/000114.jpg\t"));

  // --on-miss center: the faceless images become centre crops; unreadable stays skipped.
  REQUIRE(run(bin + " align --threads 1 --on-miss center --center-box 0.5,0.5,0.5 --in " + (t.path / "in").string() +
                  " --out " + (t.path / "center").string(),
              t.path / "log", &out) == 0);
  rows = rows_of(t.path / "center/align_report.tsv");
  REQUIRE(rows.size() == 5);
  CHECK(rows["grey.png"].status == "center");
  CHECK(rows["grey.png"].method == "center");
  CHECK(rows["grey.png"].box == "60.0,40.0,140.0,120.0");  // side 0.5 x 160, centred
  CHECK(rows["sub/000114.jpg"].method == "dlib68");
  CHECK(rows["corrupt.jpg"].status == "skipped");
  Image c = read_image((t.path / "center/grey.jpg").string());
  CHECK(c.w == 112);
  CHECK(c.h == 112);

  // Options that mean nothing without detection are refused, naming the option.
  CHECK(run(bin + " align --preset celeba-aligned --on-miss center --in " + (t.path / "in").string() + " --out " +
                (t.path / "x").string(),
            t.path / "log", &out) == 1);
  CHECK_THAT(out, Catch::Contains("--on-miss applies to the wild preset only"));
}

TEST_CASE("pack reads each folder's align report of a pool and skips what align skipped") {
  REQUIRE(fs::is_regular_file(shared_dir() / "data/celeba/wild/000114.jpg"));
  TempDir t;
  make_inputs(t.path / "in");
  std::string out;
  const std::string bin = KDFACE_DATA_BIN;
  const std::string in = (t.path / "in").string(), pool = (t.path / "pool").string();
  REQUIRE(run(bin + " align --threads 1 --in " + in + " --out " + pool + "/wild", t.path / "log", &out) == 0);
  REQUIRE(run(bin + " align --threads 1 --on-miss center --in " + in + " --out " + pool + "/gray", t.path / "log",
              &out) == 0);
  kd::write_file_atomic((t.path / "list.txt").string(),
                        "wild/sub/000114.jpg 7\nwild/grey.png 8\nwild/corrupt.jpg 8\ngray/grey.png 9\n");
  REQUIRE(run(bin + " pack --in " + pool + " --list " + (t.path / "list.txt").string() + " --out " +
                  (t.path / "shards").string(),
              t.path / "log", &out) == 0);
  INFO(out);
  const auto index = nlohmann::json::parse(kd::read_file((t.path / "shards/index.json").string()));
  CHECK(index["records"] == 2);  // wild/sub/000114.jpg and the centre crop gray/grey.jpg
  CHECK(index["classes"] == 2);  // identity 8 lost every image
  CHECK(index["source"]["skipped_not_aligned"] == 2);
  CHECK(index["source"]["skipped_missing"] == 0);

  // A file the report says was written but that is gone is an error naming both.
  fs::remove(t.path / "pool/wild/sub/000114.jpg");
  CHECK(run(bin + " pack --in " + pool + " --list " + (t.path / "list.txt").string() + " --out " +
                (t.path / "shards2").string(),
            t.path / "log", &out) == 1);
  CHECK_THAT(out, Catch::Contains("wild/sub/000114.jpg") && Catch::Contains("wild/align_report.tsv") &&
                      Catch::Contains("says it was written"));
}
