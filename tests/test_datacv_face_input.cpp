// Faces from files (aligned here or given aligned) and their features, as kdface-verify and
// kdface-embed use them: bad input names the file; features do not depend on the batch;
// flip-sum features are unit length and the same for a face and its mirror image.
#include <catch2/catch.hpp>

#include <filesystem>

#include "data/cv/imgio.h"
#include "data/face_tensor.h"
#include "engine/atomic_file.h"
#include "engine/autograd.h"
#include "engine/rng.h"
#include "tests/support/shared_dir.h"
#include "tests/support/synthetic_face.h"
#include "tests/support/temp_dir.h"
#include "tools/face_input/face_features.h"
#include "tools/face_input/face_loader.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace kd;
using faceinput::Feature;

namespace {

models::ResNeXtCBAM tiny_net() {
  return models::ResNeXtCBAM(models::ResNeXtConfig::from_json(json{{"preset", "tiny"}, {"depths", {1, 1, 1, 1}}}, "t"), 4);
}

}  // namespace

TEST_CASE("FaceLoader names the file for missing, non-image, faceless and wrongly sized input", "[face_input]") {
  kdtest::TempDir d("face_input");
  const faceinput::FaceLoader align(false), given(true);
  CHECK_THROWS_WITH(align.load(d.p + "/none.jpg"), Catch::Contains("none.jpg") && Catch::Contains("no such file"));
  CHECK_THROWS_WITH(align.load(d.p), Catch::Contains("no such file"));  // a folder
  write_file_atomic(d.p + "/text.jpg", "not an image");
  CHECK_THROWS_WITH(align.load(d.p + "/text.jpg"), Catch::Contains("text.jpg"));
  CHECK_THROWS_WITH(given.load(d.p + "/text.jpg"), Catch::Contains("text.jpg"));
  data::Image grey(200, 200, 3);
  std::fill(grey.px.begin(), grey.px.end(), 128);
  data::write_image(d.p + "/grey.png", grey);
  CHECK_THROWS_WITH(align.load(d.p + "/grey.png"), Catch::Contains("grey.png") && Catch::Contains("no face found"));
  CHECK_THROWS_WITH(given.load(d.p + "/grey.png"), Catch::Contains("grey.png") && Catch::Contains("112x112"));
  Generator g(3);
  data::write_image(d.p + "/face.png", kdtest::synthetic_face(1, 0, g));
  const auto f = faceinput::FaceLoader(given).load(d.p + "/face.png");  // a copy works as well
  CHECK(f.method == "given");
  CHECK(f.image.w == 112);
}

TEST_CASE("FaceLoader aligns a real photograph", "[face_input]") {
  const fs::path img = kdtest::shared_dir() / "data/celeba/aligned/009121.jpg";
  if (!fs::exists(img)) {
    WARN("KDFACE-SKIP: " << img << " not found (the shared face data)");
    return;
  }
  const auto f = faceinput::FaceLoader(false).load(img.string());
  CHECK(f.method == "dlib68");
  CHECK(f.image.w == 112);
  CHECK(f.image.h == 112);
}

TEST_CASE("raw features are the backbone's embeddings, whatever the batch", "[face_input]") {
  auto net = tiny_net();
  Generator g(8);
  std::vector<data::Image> faces;
  for (int i = 0; i < 5; ++i) faces.push_back(kdtest::synthetic_face(i, 0, g));
  int64_t dim = 0, dim1 = 0;
  const auto all = faceinput::face_features(net, faces, Feature::Raw, 5, &dim);
  const auto ones = faceinput::face_features(net, faces, Feature::Raw, 2, &dim1);
  REQUIRE(dim == 128);
  REQUIRE(dim1 == dim);
  REQUIRE(all.size() == size_t(5 * dim));
  for (size_t j = 0; j < all.size(); ++j) REQUIRE(ones[j] == Approx(all[j]).margin(1e-5));

  Tensor x = Tensor::empty({1, 3, 112, 112});
  data::image_to_chw(faces[3], 127.5f, 127.5f, false, x.data<float>());
  net.eval();
  autograd::NoGradGuard ng;
  Tensor e = net.forward(x).embedding;
  for (int64_t j = 0; j < dim; ++j) REQUIRE(all[size_t(3 * dim + j)] == Approx(e.data<float>()[j]).margin(1e-5));
  CHECK_THROWS_WITH(faceinput::face_features(net, faces, Feature::Raw, 0, nullptr), Catch::Contains("--batch"));
  CHECK_THROWS_WITH(faceinput::face_features(net, {data::Image(50, 50, 3)}, Feature::Raw, 1, nullptr),
                    Catch::Contains("50x50"));
}

TEST_CASE("flip-sum features are unit length and the same for a face and its mirror image", "[face_input]") {
  auto net = tiny_net();
  Generator g(8);
  const data::Image a = kdtest::synthetic_face(2, 0, g), b = kdtest::synthetic_face(5, 1, g);
  int64_t d = 0;
  const auto f = faceinput::face_features(net, {a, data::mirrored(a), b}, Feature::FlipSum, 2, &d);
  CHECK(faceinput::cosine(f.data(), f.data(), d) == Approx(1.0).epsilon(1e-6));
  double norm = 0;
  for (int64_t j = 0; j < d; ++j) norm += double(f[size_t(j)]) * f[size_t(j)];
  CHECK(norm == Approx(1.0).epsilon(1e-5));
  CHECK(faceinput::cosine(f.data(), f.data() + d, d) == Approx(1.0).epsilon(1e-6));
  const double s = faceinput::cosine(f.data(), f.data() + 2 * d, d);
  CHECK(s < 1.0 - 1e-6);
  CHECK(s >= -1.0);
  CHECK(faceinput::parse_feature("flip-sum") == Feature::FlipSum);
  CHECK_THROWS_WITH(faceinput::parse_feature("sum"), Catch::Contains("raw or flip-sum"));
}
