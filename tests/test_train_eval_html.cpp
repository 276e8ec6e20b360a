// report.html renders in headless Chromium to a page that is not blank. Needs the Debian
// package chromium; without it the test prints KDFACE-SKIP (ctest reports it as skipped).
// The report is synthetic (scores from random embeddings): this checks the page, not a model.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "engine/atomic_file.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "eval/report_files.h"
#include "eval/report_html.h"
#include "eval/verification.h"

namespace fs = std::filesystem;
using namespace kd;

namespace {

// Two models whose embeddings separate same from different pairs less as the scale grows.
eval::EvalReport synthetic_report() {
  eval::EvalReport r;
  r.date = "2026-01-01T00:00:00Z";
  r.command_line = "synthetic";
  r.scoring = {"askd"};
  r.scales = {1, 2, 4, 8};
  r.degrade = {{"protocol", "paper"}};
  r.pairs = {{"file", "synthetic.tsv"}, {"format", "tsv"}, {"pairs", 600}, {"same", 300}, {"different", 300},
             {"folds", 10}, {"sha256", std::string(64, '0')}};
  Generator g(3);
  const int64_t n = 600, dim = 16;
  eval::PairSet ps;
  for (int64_t i = 0; i < n; ++i) {
    ps.fold.push_back(int(i / 60));
    ps.same.push_back(i % 60 < 30);
  }
  for (size_t m = 0; m < 2; ++m) {
    eval::ReportModel rm;
    rm.name = m == 0 ? "teacher r100x" : "student tiny";
    rm.checkpoint = "synthetic";
    rm.sha256 = std::string(64, 'f');
    r.models.push_back(rm);
    for (int scale : r.scales) {
      const double noise = 0.3 + 0.15 * scale * (m + 1);
      eval::Embeddings a{n, dim, {}}, af{n, dim, {}}, b{n, dim, {}}, bf{n, dim, {}};
      for (int64_t i = 0; i < n; ++i) {
        std::vector<float> base(dim), other(dim);
        for (auto& x : base) x = float(g.normal());
        for (auto& x : other) x = float(g.normal());
        for (int64_t d = 0; d < dim; ++d) {
          a.v.push_back(base[size_t(d)] + float(noise * g.normal()));
          af.v.push_back(base[size_t(d)] + float(noise * g.normal()));
          const float t = ps.same[size_t(i)] ? base[size_t(d)] : other[size_t(d)];
          b.v.push_back(t + float(noise * g.normal()));
          bf.v.push_back(t + float(noise * g.normal()));
        }
      }
      eval::ReportEntry e;
      e.model = m;
      e.scoring = "askd";
      e.scale = scale;
      e.result = eval::score_askd(ps, a, af, b, bf);
      r.entries.push_back(std::move(e));
    }
  }
  return r;
}

}  // namespace

TEST_CASE("report.html renders in headless Chromium and is not blank", "[eval_report]") {
  const char* chromium = "/usr/bin/chromium";
  if (!fs::exists(chromium)) {
    std::printf("KDFACE-SKIP: chromium not installed (Debian package chromium)\n");
    return;
  }
  const std::string dir = (fs::current_path() / ("eval_html_" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  eval::write_report_files(dir, synthetic_report());
  const std::string png = dir + "/report.png";
  const std::string cmd = kd::str("timeout 120 ", chromium, " --headless --disable-gpu --no-sandbox --hide-scrollbars",
                                  " --screenshot=", png, " --window-size=1200,900 file://", dir,
                                  "/report.html > ", dir, "/chromium.log 2>&1");
  const int rc = std::system(cmd.c_str());
  INFO(cmd << "\n" << (fs::exists(dir + "/chromium.log") ? read_file(dir + "/chromium.log") : ""));
  CHECK(rc == 0);
  REQUIRE(fs::exists(png));
  // A blank white 1200x900 screenshot compresses to a few KB; tables, text and coloured
  // curves make it tens of KB. (No PNG decoder here: kd_data has no zlib dependency.)
  const auto bytes = fs::file_size(png);
  std::printf("report.png: %llu bytes\n", (unsigned long long)bytes);
  CHECK(bytes > 10 * 1024);
  // The file is a PNG of the window's size: signature, then IHDR's big-endian width/height.
  const std::string head = read_file(png).substr(0, 24);
  REQUIRE(head.size() == 24);
  CHECK(head.compare(1, 3, "PNG") == 0);
  auto be32 = [&](size_t o) {
    return (uint32_t(uint8_t(head[o])) << 24) | (uint32_t(uint8_t(head[o + 1])) << 16) |
           (uint32_t(uint8_t(head[o + 2])) << 8) | uint32_t(uint8_t(head[o + 3]));
  };
  CHECK(be32(16) == 1200);
  CHECK(be32(20) == 900);
  fs::remove_all(dir);
}
