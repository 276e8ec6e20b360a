// kdface-verify's threshold from a kdface-release manifest or a kdface-eval report: the
// insightface threshold as a similarity, nothing without results, an error naming the file
// when it is malformed or lacks the entry.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "engine/atomic_file.h"
#include "eval/report_json.h"
#include "eval/report_types.h"
#include "tests/support/temp_dir.h"
#include "tools/kdface-verify/verify_threshold.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace kd;

TEST_CASE("manifest_threshold reads the insightface threshold as a similarity", "[verify]") {
  kdtest::TempDir d("verify");
  const std::string model = d.p + "/m.safetensors";
  CHECK_FALSE(verifytool::manifest_threshold(model).has_value());  // no manifest
  json m = {{"results",
             {{"paper",
               {{"pairs", {{"scored", 6000}}},
                {"insightface", {{"1", {{"mean", 0.9}, {"threshold", 1.2}, {"score", "squared_l2"}}}}}}}}}};
  write_file_atomic(d.p + "/m.json", m.dump());
  const auto t = verifytool::manifest_threshold(model);
  REQUIRE(t.has_value());
  CHECK(t->similarity == Approx(0.4));
  CHECK_THAT(t->source, Catch::Contains("m.json") && Catch::Contains("6000 pairs") && Catch::Contains("90.00 %"));
  CHECK_FALSE(verifytool::manifest_threshold(model, 4).has_value());  // no x4 results

  m["results"]["paper"]["insightface"]["1"].erase("threshold");
  write_file_atomic(d.p + "/m.json", m.dump());
  CHECK_THROWS_WITH(verifytool::manifest_threshold(model), Catch::Contains("m.json") && Catch::Contains("threshold"));
  write_file_atomic(d.p + "/m.json", "{");
  CHECK_THROWS_WITH(verifytool::manifest_threshold(model), Catch::Contains("m.json") && Catch::Contains("JSON"));
}

TEST_CASE("report_threshold takes the model's insightface threshold from a kdface-eval report", "[verify]") {
  kdtest::TempDir d("verify_report");
  eval::EvalReport r;
  r.pairs = {{"pairs", 600}};
  for (const char* name : {"teacher", "student"}) {
    eval::ReportModel m;
    m.name = name;
    r.models.push_back(m);
  }
  for (size_t model = 0; model < 2; ++model)
    for (const char* scoring : {"askd", "insightface"}) {
      eval::ReportEntry e;
      e.model = model;
      e.scoring = scoring;
      e.scale = 1;
      e.result.mean = 0.9;
      e.result.score = scoring == std::string("askd") ? "cosine" : "squared_l2";
      e.result.folds = {{0, 300, 0.9, 1.0 + model}, {1, 300, 0.9, 1.2 + model}};
      r.entries.push_back(e);
    }
  const std::string path = d.p + "/report.json";
  write_file_atomic(path, eval::report_to_json(r).dump());
  const auto t = verifytool::report_threshold(path, "student");
  CHECK(t.similarity == Approx(1.0 - 2.1 / 2));
  CHECK_THAT(t.source, Catch::Contains("report.json") && Catch::Contains("student") && Catch::Contains("600 pairs"));
  CHECK_THROWS_WITH(verifytool::report_threshold(path, ""), Catch::Contains("2 models") && Catch::Contains("--report-model"));
  CHECK_THROWS_WITH(verifytool::report_threshold(path, "teacher", 4),
                    Catch::Contains("x4") && Catch::Contains("teacher insightface x1"));
  write_file_atomic(path, "{\"tool\": \"other\"}");
  CHECK_THROWS_WITH(verifytool::report_threshold(path, "teacher"), Catch::Contains("not a kdface-eval report"));
}
