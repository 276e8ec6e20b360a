// The fallback for faces dlib's HOG misses: on real CelebA profile photographs that dlib
// does not find, the profile cascade finds the face MTCNN found (box recorded here), in the
// right direction; a mirrored photograph comes back mirrored; box alignment and the
// --on-miss center crop land where docs/data.md says.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "data/box_alignment.h"
#include "data/cv/align.h"
#include "data/cv/cascade_detect.h"
#include "data/cv/face_detect.h"
#include "data/cv/imgio.h"
#include "tests/support/shared_dir.h"

namespace fs = std::filesystem;
using namespace kd::data;

namespace {

using kdtest::shared_dir;

const FaceDetector& dlib_detector() {
  static FaceDetector det;
  return det;
}

const CascadeDetector& cascades() {
  static CascadeDetector det;
  return det;
}

Image mirrored(const Image& img) {
  Image m(img.w, img.h, img.c);
  for (int y = 0; y < img.h; ++y)
    for (int x = 0; x < img.w; ++x)
      for (int c = 0; c < img.c; ++c) m.at(img.w - 1 - x, y, c) = img.at(x, y, c);
  return m;
}

// Profiles of tools/build_pose_set.py's profile list (nose turned past an eye) that dlib's
// HOG does not find, with the box MTCNN (facenet-pytorch) found, and which way they face
// for the profile cascade (found on the mirrored image or not).
struct Profile {
  const char* file;
  FaceBox mtcnn;
  bool mirrored;
};
const Profile kProfiles[] = {
    {"wild/128794.jpg", {63.1f, 48.2f, 118.5f, 137.0f}, false},
    {"wild/143915.jpg", {61.1f, 38.7f, 102.9f, 94.3f}, false},
    {"wild/070387.jpg", {129.2f, 94.6f, 183.1f, 158.7f}, true},
    {"wild/023228.jpg", {79.2f, 89.5f, 146.9f, 174.5f}, true},
};

}  // namespace

TEST_CASE("profiles dlib misses are found by the profile cascade, on MTCNN's face, facing the right way") {
  AlignOptions opt;
  opt.cascades = true;
  for (const Profile& p : kProfiles) {
    INFO(p.file);
    const Image img = read_image((shared_dir() / "data/celeba" / p.file).string());
    REQUIRE_FALSE(dlib_detector().detect_largest(img).has_value());  // the HOG (2x upsampling too) misses it

    AlignResult r = align_image(img, opt, &dlib_detector(), &cascades());
    INFO(r.reason);
    REQUIRE(r.ok);
    CHECK(r.method == AlignMethod::ProfileBox);
    CHECK(std::string(align_status_name(r)) == "aligned");
    CHECK((r.reason.find("mirrored") != std::string::npos) == p.mirrored);
    CHECK(box_iou(r.box, p.mtcnn) > 0.35);
    CHECK(r.box.centre_x() > p.mtcnn.left);
    CHECK(r.box.centre_x() < p.mtcnn.right);
    CHECK(r.box.centre_y() > p.mtcnn.top);
    CHECK(r.box.centre_y() < p.mtcnn.bottom);
    CHECK(r.x.empty());  // a box carries no landmarks into landmarks.tsv
    CHECK(r.face.w == 112);
    // Scale and translation only, onto the profile geometry (mirrored for the other direction).
    CHECK(r.to_aligned.b == 0);
    double cx, cy;
    r.to_aligned.apply(r.box.centre_x(), r.box.centre_y(), cx, cy);
    const BoxGeometry& g = profile_box_geometry();
    CHECK(cx == Approx(p.mirrored ? 111 - g.cx : g.cx));
    CHECK(cy == Approx(g.cy));

    // Without the cascades the same image is not aligned at all: what the fallback adds.
    AlignResult plain = align_image(img, AlignOptions{}, &dlib_detector());
    CHECK_FALSE(plain.ok);
    CHECK(plain.reason == "no face found");
  }
}

TEST_CASE("a mirrored profile is found on the other pass, in the mirrored place") {
  const Profile& p = kProfiles[0];
  const Image img = read_image((shared_dir() / "data/celeba" / p.file).string());
  const std::vector<CascadeFace> direct = cascades().detect(img, CascadeKind::Profile);
  const std::vector<CascadeFace> flipped = cascades().detect(mirrored(img), CascadeKind::Profile);
  REQUIRE_FALSE(direct.empty());
  REQUIRE_FALSE(flipped.empty());
  CHECK(direct[0].mirrored == p.mirrored);
  CHECK(flipped[0].mirrored != p.mirrored);
  CHECK(box_iou(flipped[0].box, mirror_box(direct[0].box, img.w)) > 0.8);
}

TEST_CASE("--on-miss center aligns the center box by dlib's box geometry; skip reports the miss") {
  Image grey(180, 150, 3);
  std::fill(grey.px.begin(), grey.px.end(), 90);
  AlignOptions opt;
  opt.cascades = true;
  AlignResult skip = align_image(grey, opt, &dlib_detector(), &cascades());
  CHECK_FALSE(skip.ok);
  CHECK(skip.reason == "no face found");
  CHECK(std::string(align_status_name(skip)) == "skipped");

  opt.on_miss = OnMiss::Center;
  opt.center = CenterBox{0.5, 0.6, 0.8};
  AlignResult c = align_image(grey, opt, &dlib_detector(), &cascades());
  REQUIRE(c.ok);
  CHECK(c.method == AlignMethod::Center);
  CHECK(std::string(align_status_name(c)) == "center");
  CHECK(c.box.width() == Approx(0.8 * 150));
  CHECK(c.box.centre_x() == Approx(0.5 * 180 - 0.5));
  CHECK(c.box.centre_y() == Approx(0.6 * 150 - 0.5));
  double x, y;
  c.to_aligned.apply(c.box.centre_x(), c.box.centre_y(), x, y);
  CHECK(x == Approx(dlib_box_geometry().cx));
  CHECK(y == Approx(dlib_box_geometry().cy));
  CHECK(c.to_aligned.scale() == Approx(dlib_box_geometry().side / 120.0));
  CHECK(c.face.w == 112);
  CHECK(c.face.px[0] == 90);  // the grey image, warped
  CHECK(parse_on_miss("center") == OnMiss::Center);
  CHECK_THROWS_WITH(parse_on_miss("guess"), Catch::Contains("guess") && Catch::Contains("skip or center"));
}

TEST_CASE("padding keeps coordinates in the unpadded image") {
  // The same photograph with and without --pad: dlib's box moves by less than a pixel or two
  // (detection on a different canvas), not by the padding.
  const Image img = read_image((shared_dir() / "data/celeba/wild/000114.jpg").string());
  AlignOptions plain, padded;
  padded.pad = 0.25;
  AlignResult a = align_image(img, plain, &dlib_detector());
  AlignResult b = align_image(img, padded, &dlib_detector());
  REQUIRE(a.ok);
  REQUIRE(b.ok);
  CHECK(std::fabs(a.box.centre_x() - b.box.centre_x()) < 3);
  CHECK(std::fabs(a.box.centre_y() - b.box.centre_y()) < 3);
  for (int e = 0; e < 2; ++e) CHECK(std::fabs(a.five.x[e] - b.five.x[e]) < 2);
}
