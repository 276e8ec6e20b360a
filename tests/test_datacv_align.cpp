// Alignment: the similarity fit (pure maths), the warp, dlib detection on real CelebA
// photographs, and the per-image outcomes `kdface-data align` reports.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "data/cv/align.h"
#include "data/cv/face_detect.h"
#include "data/cv/imgio.h"
#include "data/similarity.h"
#include "engine/check.h"
#include "tests/support/shared_dir.h"

namespace fs = std::filesystem;
using namespace kd::data;

namespace {

using kdtest::shared_dir;

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("kdface_test_align_" + std::to_string(getpid()));
  fs::create_directories(d);
  return d;
}

const FaceDetector& detector() {
  static FaceDetector det;  // the model is ~100 MB: load once for every case
  return det;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const kd::Error& e) {
    return e.what();
  }
  return "<no kd::Error thrown>";
}

}  // namespace

TEST_CASE("similarity fit recovers a known rotation, scale and translation exactly") {
  const double scale = 1.7, angle = 0.4, tx = 12.5, ty = -5.25;
  Similarity truth;
  truth.a = scale * std::cos(angle);
  truth.b = scale * std::sin(angle);
  truth.tx = tx;
  truth.ty = ty;
  const float sx[6] = {3, 40, 22, -7, 15, 60}, sy[6] = {5, 8, 30, 44, -12, 19};
  float dx[6], dy[6];
  for (int i = 0; i < 6; ++i) {
    double ox, oy;
    truth.apply(sx[i], sy[i], ox, oy);
    dx[i] = float(ox);
    dy[i] = float(oy);
  }
  Similarity fit = fit_similarity(sx, sy, dx, dy, 6);
  CHECK(fit.scale() == Approx(scale).epsilon(1e-6));
  CHECK(fit.angle() == Approx(angle).epsilon(1e-6));
  CHECK(fit.tx == Approx(tx).margin(1e-4));
  CHECK(fit.ty == Approx(ty).margin(1e-4));

  Similarity inv = fit.inverse();
  for (int i = 0; i < 6; ++i) {
    double bx, by;
    inv.apply(dx[i], dy[i], bx, by);
    CHECK(bx == Approx(sx[i]).margin(1e-4));
    CHECK(by == Approx(sy[i]).margin(1e-4));
  }
  CHECK(inv.scale() == Approx(1 / scale).epsilon(1e-6));
  CHECK(inv.angle() == Approx(-angle).epsilon(1e-6));
}

TEST_CASE("similarity fit never reflects and rejects coincident points") {
  // Mirrored points: the best reflection-free fit cannot reproduce them, and det stays > 0.
  const Landmarks5& t = arcface_template();
  Landmarks5 mirror;
  for (int i = 0; i < 5; ++i) {
    mirror.x[i] = 112 - t.x[i];
    mirror.y[i] = t.y[i];
  }
  Similarity s = fit_similarity(t, mirror);
  CHECK(s.a * s.a + s.b * s.b > 0);  // det of [a -b; b a] is a^2 + b^2
  Landmarks5 m = s.apply(t);
  CHECK(std::fabs(m.x[0] - mirror.x[0]) > 5);  // left eye cannot land on the mirrored one

  const float x[3] = {4, 4, 4}, y[3] = {2, 2, 2};
  std::string msg = error_of([&] { fit_similarity(x, y, x, y, 3); });
  CHECK_THAT(msg, Catch::Contains("coincide"));
}

TEST_CASE("the template maps to itself; other sizes scale it") {
  const Landmarks5& t = arcface_template();
  Similarity s = fit_similarity(t, arcface_template(112));
  CHECK(s.a == Approx(1).margin(1e-9));
  CHECK(s.b == Approx(0).margin(1e-9));
  CHECK(s.tx == Approx(0).margin(1e-6));
  CHECK(s.ty == Approx(0).margin(1e-6));
  Landmarks5 t224 = arcface_template(224);
  for (int i = 0; i < 5; ++i) CHECK(t224.x[i] == Approx(2 * t.x[i]));
  Similarity up = fit_similarity(t, t224);
  CHECK(up.scale() == Approx(2).epsilon(1e-9));
}

TEST_CASE("warp_similarity puts a source pixel where the transform says") {
  Image img(64, 48, 3);
  std::fill(img.px.begin(), img.px.end(), 0);
  img.at(20, 10, 0) = 255;  // a red dot at (20, 10)
  Similarity s;             // rotate 90 degrees about the origin, then shift into the frame
  s.a = 0;
  s.b = 1;
  s.tx = 40;
  s.ty = 2;
  double ox, oy;
  s.apply(20, 10, ox, oy);  // (30, 22)
  Image out = warp_similarity(img, s, 56);
  REQUIRE(out.w == 56);
  REQUIRE(out.c == 3);
  CHECK(out.at(int(ox), int(oy), 0) == 255);
  CHECK(out.at(int(ox), int(oy), 1) == 0);
  CHECK(out.at(int(ox) + 2, int(oy), 0) == 0);
}

TEST_CASE("five_from_68 takes eye means, nose tip 30 and mouth corners 48/54") {
  float x[68], y[68];
  for (int i = 0; i < 68; ++i) {
    x[i] = float(i);
    y[i] = float(2 * i);
  }
  Landmarks5 f = five_from_68(x, y);
  CHECK(f.x[0] == Approx(38.5));  // mean of 36..41
  CHECK(f.x[1] == Approx(44.5));  // mean of 42..47
  CHECK(f.y[1] == Approx(89));
  CHECK(f.x[2] == 30);
  CHECK(f.x[3] == 48);
  CHECK(f.x[4] == 54);
}

TEST_CASE("real CelebA photographs align with the eyes on the template") {
  fs::path wild = shared_dir() / "data/celeba/wild";
  REQUIRE(fs::is_directory(wild));
  const Landmarks5 t = arcface_template(112);
  for (const char* name : {"000114.jpg", "000131.jpg", "000176.jpg"}) {
    INFO("image " << name);
    AlignResult r = align_file((wild / name).string(), AlignOptions{}, &detector());
    INFO("reason: " << r.reason);
    REQUIRE(r.ok);
    CHECK(r.face.w == 112);
    CHECK(r.face.h == 112);
    CHECK(r.face.c == 3);
    REQUIRE(r.x.size() == 68);
    for (int e = 0; e < 2; ++e) {
      CHECK(std::fabs(r.five.x[e] - t.x[e]) < 4.0);
      CHECK(std::fabs(r.five.y[e] - t.y[e]) < 4.0);
    }
    // The 68 points went through the same transform as the five.
    double mx = 0;
    for (int i = 36; i < 42; ++i) mx += r.x[i] / 6.0;
    CHECK(mx == Approx(r.five.x[0]).margin(1e-3));
    // The face fills the frame: a real photograph is not flat.
    int lo = 255, hi = 0;
    for (uint8_t v : r.face.px) {
      lo = std::min<int>(lo, v);
      hi = std::max<int>(hi, v);
    }
    CHECK(hi - lo > 100);
  }
}

TEST_CASE("celeba-aligned preset maps the fixed CelebA landmarks onto the template") {
  AlignOptions opt;
  opt.preset = AlignPreset::CelebaAligned;
  const Landmarks5 t = arcface_template(112);
  for (auto [w, h] : {std::pair{178, 218}, std::pair{89, 109}}) {
    Image img(w, h, 3);
    std::fill(img.px.begin(), img.px.end(), 128);
    AlignResult r = align_image(img, opt, nullptr);
    REQUIRE(r.ok);
    REQUIRE(r.x.size() == 5);
    for (int i = 0; i < 2; ++i) {
      CHECK(std::fabs(r.five.x[i] - t.x[i]) < 2.5);
      CHECK(std::fabs(r.five.y[i] - t.y[i]) < 2.5);
    }
  }
  Image wrong(100, 100, 3);
  AlignResult r = align_image(wrong, opt, nullptr);
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.reason, Catch::Contains("100x100") && Catch::Contains("178x218"));
  CHECK(parse_align_preset("celeba-aligned") == AlignPreset::CelebaAligned);
  CHECK_THAT(error_of([] { parse_align_preset("frontal"); }), Catch::Contains("frontal"));
}

TEST_CASE("celeba-aligned preset puts a real CelebA crop's eyes on the template") {
  // Independent check of the fixed landmarks: dlib, run on the aligned output, finds the
  // eyes where the template wants them (CelebA's own alignment varies by a pixel or two).
  fs::path dir = shared_dir() / "data/celeba/aligned";
  REQUIRE(fs::is_directory(dir));
  AlignOptions opt;
  opt.preset = AlignPreset::CelebaAligned;
  const Landmarks5 t = arcface_template(112);
  int checked = 0;
  double err = 0;
  for (const char* name : {"000001.jpg", "000002.jpg", "000005.jpg", "000006.jpg", "000007.jpg", "000008.jpg"}) {
    AlignResult r = align_file((dir / name).string(), opt, nullptr);
    INFO("image " << name << " reason: " << r.reason);
    REQUIRE(r.ok);
    std::optional<Face68> f = detector().detect_largest(r.face);
    if (!f) continue;
    Landmarks5 l = five_from_68(f->x, f->y);
    for (int e = 0; e < 2; ++e) err += std::hypot(l.x[e] - t.x[e], l.y[e] - t.y[e]) / 2;
    ++checked;
  }
  REQUIRE(checked >= 4);
  CHECK(err / checked < 4.0);
}

TEST_CASE("missing and corrupt files are errors naming the file") {
  fs::path dir = temp_dir();
  fs::path missing = dir / "no_such_image.jpg";
  CHECK_THAT(error_of([&] { read_image(missing.string()); }),
             Catch::Contains(missing.string()) && Catch::Contains("does not exist"));

  fs::path corrupt = dir / "garbage.jpg";
  {
    std::ofstream f(corrupt, std::ios::binary);
    for (int i = 0; i < 4096; ++i) f.put(char((i * 7919 + 13) & 0xFF));
  }
  CHECK_THAT(error_of([&] { read_image(corrupt.string()); }),
             Catch::Contains(corrupt.string()) && Catch::Contains("corrupt"));

  // What the command writes into align_report.tsv for them.
  AlignResult r = align_file(corrupt.string(), AlignOptions{}, &detector());
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.reason, Catch::StartsWith("unreadable file: ") && Catch::Contains(corrupt.string()));
  r = align_file(missing.string(), AlignOptions{}, &detector());
  CHECK_THAT(r.reason, Catch::StartsWith("unreadable file: ") && Catch::Contains(missing.string()));
  fs::remove_all(dir);
}

TEST_CASE("an image without a face is reported as 'no face found'") {
  fs::path dir = temp_dir();
  Image grey(200, 160, 3);
  std::fill(grey.px.begin(), grey.px.end(), 128);
  fs::path p = dir / "grey.png";
  write_image(p.string(), grey);
  Image back = read_image(p.string());
  CHECK(back.w == 200);
  CHECK(back.h == 160);
  CHECK(back.px == grey.px);  // PNG round trip is lossless and stays RGB

  AlignResult r = align_file(p.string(), AlignOptions{}, &detector());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == "no face found");
  fs::remove_all(dir);
}

TEST_CASE("imgio keeps RGB order at the boundary") {
  fs::path dir = temp_dir();
  Image img(8, 4, 3);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 8; ++x) {
      img.at(x, y, 0) = 250;  // red
      img.at(x, y, 1) = 10;
      img.at(x, y, 2) = 20;
    }
  fs::path p = dir / "red.bmp";
  write_image(p.string(), img);
  Image back = read_image(p.string());
  CHECK(back.at(3, 2, 0) == 250);
  CHECK(back.at(3, 2, 2) == 20);
  CHECK_THAT(error_of([&] { write_image((dir / "x.gif").string(), img); }), Catch::Contains("x.gif"));
  fs::remove_all(dir);
}
