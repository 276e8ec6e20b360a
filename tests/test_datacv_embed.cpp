// kdface-embed: a folder, a list or named images in; embeddings equal to face_features of the
// same faces, in .npy (numpy's layout) or .safetensors, with an index listing every input;
// an image that cannot be embedded is skipped and listed, or (--on-error fail) stops the run
// before anything is written.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>

#include "data/cv/imgio.h"
#include "engine/atomic_file.h"
#include "engine/checkpoint.h"
#include "engine/rng.h"
#include "engine/safetensors.h"
#include "tests/support/synthetic_face.h"
#include "tests/support/temp_dir.h"
#include "tools/kdface-embed/embed_run.h"
#include "tests/support/student_checkpoint.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace kd;

namespace {

const json kModel = {{"preset", "tiny"}, {"depths", {1, 1, 1, 1}}};

struct Setup {
  kdtest::TempDir d{"embed"};
  std::string model;
  std::vector<data::Image> faces;
  models::ResNeXtCBAM net{models::ResNeXtConfig::from_json(kModel, "t"), 6};

  Setup() {
    model = d.p + "/m.safetensors";
    save_checkpoint(model, kdtest::student_checkpoint(net, kModel));
    fs::create_directories(d.p + "/faces/sub");
    Generator g(2);
    for (int i = 0; i < 3; ++i) faces.push_back(kdtest::synthetic_face(i, 0, g));
    data::write_image(d.p + "/faces/a.png", faces[0]);
    data::write_image(d.p + "/faces/sub/b.png", faces[1]);
    data::write_image(d.p + "/faces/c.png", faces[2]);
    write_file_atomic(d.p + "/faces/broken.jpg", "not a jpeg");
  }

  embedtool::EmbedOptions options(const std::string& out) const {
    embedtool::EmbedOptions o;
    o.model = model;
    o.out = d.p + "/" + out;
    o.aligned = true;
    o.batch = 2;
    o.threads = 2;
    o.quiet = true;
    return o;
  }
};

}  // namespace

TEST_CASE("kdface-embed writes a folder's embeddings and an index of every input", "[embed]") {
  Setup s;
  auto o = s.options("e.safetensors");
  o.in_dir = s.d.p + "/faces";
  const auto sum = embedtool::run_embed(o);
  CHECK(sum.inputs == 4);
  CHECK(sum.embedded == 3);
  // Sorted: a.png, broken.jpg, c.png, sub/b.png
  REQUIRE(sum.index.size() == 4);
  CHECK(sum.index[1].row == -1);
  CHECK_THAT(sum.index[1].reason, Catch::Contains("broken.jpg"));
  CHECK(sum.index[3].row == 2);

  const SafeTensors st = load_safetensors(o.out);
  const Tensor& e = st.tensors.at("embeddings");
  REQUIRE(e.shape() == Shape{3, 128});
  CHECK(st.metadata.at("feature") == "raw");
  CHECK(st.metadata.at("index") == "e.tsv");
  int64_t dim = 0;
  const auto want = faceinput::face_features(s.net, {s.faces[0], s.faces[2], s.faces[1]}, faceinput::Feature::Raw, 3, &dim);
  for (size_t j = 0; j < want.size(); ++j) REQUIRE(e.data<float>()[j] == Approx(want[j]).margin(1e-5));

  const std::string tsv = read_file(s.d.p + "/e.tsv");
  CHECK_THAT(tsv, Catch::StartsWith("row\tpath\tstatus\talignment\treason\n0\t"));
  CHECK_THAT(tsv, Catch::Contains("-\t" + s.d.p + "/faces/broken.jpg\tfailed\t-\t"));
  CHECK_THAT(tsv, Catch::Contains("2\t" + s.d.p + "/faces/sub/b.png\tembedded\tgiven\t-\n"));
}

TEST_CASE("kdface-embed writes numpy's .npy layout", "[embed]") {
  Setup s;
  auto o = s.options("e.npy");
  o.list = s.d.p + "/list.txt";
  o.in_dir = s.d.p + "/faces";
  o.feature = faceinput::Feature::FlipSum;
  write_file_atomic(o.list, "# two faces\nc.png\n\nsub/b.png\n");
  embedtool::run_embed(o);
  const std::string b = read_file(o.out);
  REQUIRE(b.size() > 10);
  CHECK(b.compare(0, 8, std::string("\x93NUMPY\x01\x00", 8)) == 0);
  const size_t hlen = size_t(uint8_t(b[8])) | size_t(uint8_t(b[9])) << 8;
  CHECK((10 + hlen) % 64 == 0);
  const std::string header = b.substr(10, hlen);
  CHECK_THAT(header, Catch::StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 128), }"));
  CHECK(header.back() == '\n');
  REQUIRE(b.size() == 10 + hlen + 2 * 128 * 4);
  std::vector<float> got(2 * 128);
  std::memcpy(got.data(), b.data() + 10 + hlen, got.size() * 4);
  const auto want = faceinput::face_features(s.net, {s.faces[2], s.faces[1]}, faceinput::Feature::FlipSum, 1, nullptr);
  for (size_t j = 0; j < want.size(); ++j) REQUIRE(got[j] == Approx(want[j]).margin(1e-5));
}

TEST_CASE("kdface-embed refuses bad input before writing anything", "[embed]") {
  Setup s;
  auto o = s.options("e.npy");
  o.in_dir = s.d.p + "/faces";
  o.fail_on_error = true;
  CHECK_THROWS_WITH(embedtool::run_embed(o), Catch::Contains("broken.jpg") && Catch::Contains("nothing was written"));
  CHECK_FALSE(fs::exists(o.out));
  CHECK_FALSE(fs::exists(s.d.p + "/e.tsv"));

  o = s.options("e.npy");
  o.images = {s.d.p + "/faces/broken.jpg"};
  CHECK_THROWS_WITH(embedtool::run_embed(o), Catch::Contains("no input could be embedded"));
  CHECK_FALSE(fs::exists(o.out));

  o = s.options("e.txt");
  o.images = {s.d.p + "/faces/a.png"};
  CHECK_THROWS_WITH(embedtool::run_embed(o), Catch::Contains(".npy or .safetensors"));
  o = s.options("e.npy");
  o.images = {s.d.p + "/faces/a.png"};
  o.in_dir = s.d.p + "/faces";
  CHECK_THROWS_WITH(embedtool::run_embed(o), Catch::Contains("one way"));
  o = s.options("e.npy");
  o.list = s.d.p + "/missing.txt";
  CHECK_THROWS_WITH(embedtool::run_embed(o), Catch::Contains("missing.txt"));
  o = s.options("e.npy");
  o.in_dir = s.d.p + "/nowhere";
  CHECK_THROWS_WITH(embedtool::run_embed(o), Catch::Contains("nowhere"));
  o = s.options("e.npy");
  o.images = {s.d.p + "/faces/a.png"};
  o.device = "tpu";
  CHECK_THROWS_WITH(embedtool::run_embed(o), Catch::Contains("--device"));
}
