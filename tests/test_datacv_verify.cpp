// kdface-verify's parts: faces from files (aligned or given), the flip-summed feature and its
// cosine, and the threshold from a kdface-release manifest; bad input names the file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "data/cv/imgio.h"
#include "data/face_tensor.h"
#include "engine/atomic_file.h"
#include "engine/rng.h"
#include "tests/support/shared_dir.h"
#include "tests/support/synthetic_face.h"
#include "tools/kdface-verify/pair_verify.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace kd;

namespace {

struct Dir {
  std::string p = (fs::current_path() / ("verify_" + std::to_string(::getpid()))).string();
  Dir() {
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~Dir() { fs::remove_all(p); }
};

models::ResNeXtCBAM tiny_net() {
  return models::ResNeXtCBAM(models::ResNeXtConfig::from_json(json{{"preset", "tiny"}, {"depths", {1, 1, 1, 1}}}, "t"), 4);
}

}  // namespace

TEST_CASE("load_face names the file for missing, non-image, faceless and wrongly sized input", "[verify]") {
  Dir d;
  CHECK_THROWS_WITH(verifytool::load_face(d.p + "/none.jpg", false), Catch::Contains("none.jpg") && Catch::Contains("no such file"));
  write_file_atomic(d.p + "/text.jpg", "not an image");
  CHECK_THROWS_WITH(verifytool::load_face(d.p + "/text.jpg", false), Catch::Contains("text.jpg"));
  data::Image grey(200, 200, 3);
  std::fill(grey.px.begin(), grey.px.end(), 128);
  data::write_image(d.p + "/grey.png", grey);
  CHECK_THROWS_WITH(verifytool::load_face(d.p + "/grey.png", false),
                    Catch::Contains("grey.png") && Catch::Contains("no face found"));
  CHECK_THROWS_WITH(verifytool::load_face(d.p + "/grey.png", true),
                    Catch::Contains("grey.png") && Catch::Contains("112x112"));
  Generator g(3);
  data::write_image(d.p + "/face.png", kdtest::synthetic_face(1, 0, g));
  const auto f = verifytool::load_face(d.p + "/face.png", true);
  CHECK(f.method == "given");
  CHECK(f.image.w == 112);
}

TEST_CASE("load_face aligns a real photograph", "[verify]") {
  const fs::path img = kdtest::shared_dir() / "data/celeba/aligned/009121.jpg";
  if (!fs::exists(img)) {
    WARN("KDFACE-SKIP: " << img << " not found (the shared face data)");
    return;
  }
  const auto f = verifytool::load_face(img.string(), false);
  CHECK(f.method == "dlib68");
  CHECK(f.image.w == 112);
  CHECK(f.image.h == 112);
}

TEST_CASE("pair_feature is unit length and the same for a face and its mirror image", "[verify]") {
  auto net = tiny_net();
  Generator g(8);
  const data::Image a = kdtest::synthetic_face(2, 0, g), b = kdtest::synthetic_face(5, 1, g);
  const auto fa = verifytool::pair_feature(net, a);
  CHECK(verifytool::cosine(fa, fa) == Approx(1.0).epsilon(1e-6));
  const auto fm = verifytool::pair_feature(net, data::mirrored(a));
  CHECK(verifytool::cosine(fa, fm) == Approx(1.0).epsilon(1e-6));
  const double s = verifytool::cosine(fa, verifytool::pair_feature(net, b));
  CHECK(s < 1.0 - 1e-6);
  CHECK(s >= -1.0);
}

TEST_CASE("manifest_threshold reads the insightface threshold as a similarity", "[verify]") {
  Dir d;
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
