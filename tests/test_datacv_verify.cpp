// kdface-verify's threshold from a kdface-release manifest: the insightface threshold as a
// similarity, nothing without results, an error naming the manifest when it is malformed.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "engine/atomic_file.h"
#include "tests/support/temp_dir.h"
#include "tools/kdface-verify/manifest_threshold.h"

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
