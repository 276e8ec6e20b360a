// Mask templates: masks.cfg parsing, face points from 68 landmarks, homography warps, and
// the bank built from the real templates in ../shared/data/masks.
#include <catch2/catch.hpp>

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <time.h>
#include <unistd.h>

#include "data/cv/align.h"
#include "data/cv/mask_template.h"
#include "data/jpeg_codec.h"
#include "data/mask_bank.h"
#include "engine/check.h"
#include "tests/support/shared_dir.h"

namespace fs = std::filesystem;
using namespace kd::data;

namespace {

using kdtest::shared_dir;

fs::path masks_cfg() { return shared_dir() / "data" / "masks" / "masks.cfg"; }

fs::path temp_dir() {
  // Removed when the test program exits (the bank written there is 1 MB).
  struct Dir {
    fs::path p = fs::temp_directory_path() / ("kdface_test_mask_" + std::to_string(getpid()));
    ~Dir() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  };
  static Dir d;
  fs::create_directories(d.p);
  return d.p;
}

std::string write_cfg(const std::string& name, const std::string& text) {
  const fs::path p = temp_dir() / name;
  std::ofstream(p) << text;
  return p.string();
}

const std::vector<MaskTemplate>& real_templates() {
  static const std::vector<MaskTemplate> t = read_mask_config(masks_cfg().string());
  return t;
}

double thread_us() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

const MaskBank& real_bank() {
  static const MaskBank b = build_mask_bank(real_templates());
  return b;
}

}  // namespace

TEST_CASE("masks.cfg of ../shared parses: 21 templates, comments and empty sections skipped") {
  if (!fs::exists(masks_cfg())) {
    std::printf("KDFACE-SKIP: %s not found (set KDFACE_SHARED_DIR)\n", masks_cfg().c_str());
    return;
  }
  const auto& t = real_templates();
  REQUIRE(t.size() == 21);
  CHECK(t[0].name == "surgical");
  CHECK(t[0].pts.x[0] == 21);
  CHECK(t[0].pts.y[0] == 97);
  CHECK(t[0].pts.x[4] == 295);
  CHECK(t[0].pts.y[5] == 323);
  int n95_left = 0;
  for (auto& m : t) {
    CHECK(fs::is_regular_file(m.path));
    if (m.name == "N95_left") {
      ++n95_left;
      CHECK(m.pts.x[0] == 193);  // the live section, not the commented-out one (176)
    }
    if (m.name == "N95_right") {  // keys out of order, negative coordinate
      CHECK(m.pts.x[3] == -4);
      CHECK(m.pts.y[3] == 632);
      CHECK(m.pts.x[2] == 979);
    }
    CHECK(m.name != "empty");
    CHECK(m.name != "inpaint");
  }
  CHECK(n95_left == 1);
}

TEST_CASE("masks.cfg errors name the file, line, section and key") {
  const std::string pts = "mask_a: 1, 2\nmask_b: 3, 4\nmask_c: 5, 6\nmask_d: 7, 8\nmask_e: 9, 10\n";
  const std::string missing = write_cfg("missing.cfg", "[m]\ntemplate: nowhere.png\n" + pts);
  CHECK_THROWS_WITH(read_mask_config(missing), Catch::Contains("missing.cfg") && Catch::Contains("[m]") &&
                                                     Catch::Contains("mask_f"));
  const std::string bad = write_cfg("bad.cfg", "[m]\ntemplate: x.png\nmask_a: 1; 2\n");
  CHECK_THROWS_WITH(read_mask_config(bad), Catch::Contains("bad.cfg:3") && Catch::Contains("mask_a"));
  const std::string unknown = write_cfg("unknown.cfg", "[m]\nmask_g: 1, 2\n");
  CHECK_THROWS_WITH(read_mask_config(unknown), Catch::Contains("unknown key 'mask_g'"));
  const std::string nofile = write_cfg("nofile.cfg", "[m]\ntemplate: nowhere.png\n" + pts + "mask_f: 11, 12\n");
  CHECK_THROWS_WITH(read_mask_config(nofile), Catch::Contains("nowhere.png") && Catch::Contains("not found"));
  CHECK_THROWS_WITH(read_mask_config((temp_dir() / "absent.cfg").string()), Catch::Contains("absent.cfg"));
}

TEST_CASE("six face points from 68 landmarks: jaw crossings interpolated") {
  float x[68] = {}, y[68] = {};
  // Jaw 0..16: straight segments from (10, 40) down to the chin (50, 100) and up to (90, 40),
  // in 8 equal steps per side.
  for (int i = 0; i <= 8; ++i) {
    x[i] = 10 + 5.f * i;
    y[i] = 40 + 7.5f * i;
    x[16 - i] = 90 - 5.f * i;
    y[16 - i] = y[i];
  }
  x[28] = 50, y[28] = 45;  // nose bridge
  x[30] = 50, y[30] = 61;  // nose tip: y 61 crosses segment 2-3 (55..62.5) at t = 0.8
  x[57] = 50, y[57] = 85;  // lower lip: exactly jaw point 6
  const MaskPoints p = mask_points_from_68(x, y);
  CHECK(p.x[0] == Approx(20 + 0.8 * 5));
  CHECK(p.y[0] == Approx(61));
  CHECK(p.x[2] == Approx(80 - 0.8 * 5));
  CHECK(p.x[1] == 50);
  CHECK(p.y[1] == 45);
  CHECK(p.x[3] == Approx(40));
  CHECK(p.y[3] == Approx(85));
  CHECK(p.x[5] == Approx(60));
  CHECK(p.x[4] == 50);
  CHECK(p.y[4] == 100);
  // A nose tip above the whole jaw falls back to the highest jaw point of each side.
  y[30] = 20;
  const MaskPoints q = mask_points_from_68(x, y);
  CHECK(q.x[0] == Approx(10));
  CHECK(q.x[2] == Approx(90));
}

TEST_CASE("warp_mask puts template anchors on face points") {
  // A 400x300 opaque red template with a green 20x20 patch around anchor a (60, 100).
  const fs::path png = temp_dir() / "tmpl.png";
  cv::Mat m(300, 400, CV_8UC4, cv::Scalar(0, 0, 255, 255));  // BGRA red
  m(cv::Rect(50, 90, 20, 20)).setTo(cv::Scalar(0, 255, 0, 255));
  m(cv::Rect(0, 0, 400, 20)).setTo(cv::Scalar(255, 255, 255, 0));  // transparent white band
  REQUIRE(cv::imwrite(png.string(), m));
  MaskTemplate t;
  t.name = "synthetic";
  t.path = png.string();
  t.pts = MaskPoints{{60, 200, 340, 80, 200, 320}, {100, 40, 100, 220, 280, 220}};
  // Face points: template scaled by 0.25 and shifted by (10, 20) -> anchor a at (25, 45).
  MaskPoints f;
  for (int k = 0; k < 6; ++k) {
    f.x[k] = (t.pts.x[k] + 0.5) * 0.25 - 0.5 + 10;
    f.y[k] = (t.pts.y[k] + 0.5) * 0.25 - 0.5 + 20;
  }
  const Image w = warp_mask(load_mask_template(t), t, f, 112, 112);
  REQUIRE(w.c == 4);
  CHECK(int(w.at(25, 45, 1)) > 200);  // green patch
  CHECK(int(w.at(25, 45, 0)) < 40);
  CHECK(int(w.at(60, 60, 0)) > 240);  // red body
  CHECK(int(w.at(60, 60, 3)) == 255);
  CHECK(int(w.at(5, 5, 3)) == 0);     // outside the template
  CHECK(int(w.at(60, 21, 3)) == 0);   // the transparent band maps to rows 19.6..24.6
  // Premultiplied interpolation: where alpha fades in, colour is red, not the band's white.
  for (int y = 20; y < 30; ++y)
    if (w.at(60, y, 3) > 0 && w.at(60, y, 3) < 255) CHECK(int(w.at(60, y, 1)) < 30);
}

TEST_CASE("bank from the real templates covers nose and mouth, never the eyes") {
  if (!fs::exists(masks_cfg())) {
    std::printf("KDFACE-SKIP: %s not found (set KDFACE_SHARED_DIR)\n", masks_cfg().c_str());
    return;
  }
  const MaskBank& bank = real_bank();
  REQUIRE(bank.masks.size() == 21);
  const Landmarks5& t = arcface_template();
  for (auto& m : bank.masks) {
    INFO("mask " << m.name);
    // Mouth corners and nose tip of the ArcFace template are under the mask ...
    for (int k = 2; k < 5; ++k) CHECK(int(m.rgba.at(int(t.x[k]), int(t.y[k]), 3)) > 128);
    // ... the eyes are not. KN95_left/right are the exception: their turned tops reach
    // the eye line with a soft edge (the templates' shape, not a placement error).
    const bool tall = m.name == "KN95_left" || m.name == "KN95_right";
    for (int k = 0; k < 2; ++k) {
      const int a = m.rgba.at(int(t.x[k]), int(t.y[k]), 3);
      if (tall)
        CHECK(a < 255);
      else
        CHECK(a == 0);
    }
    // Forehead is always clear.
    CHECK(int(m.rgba.at(56, 25, 3)) == 0);
  }
  const std::string path = (temp_dir() / "bank.bin").string();
  save_mask_bank(bank, path);
  const MaskBank back = load_mask_bank(path);
  REQUIRE(back.masks.size() == bank.masks.size());
  CHECK(back.masks[7].rgba.px == bank.masks[7].rgba.px);
}

TEST_CASE("masking a real aligned face changes the mouth, keeps the eyes") {
  const fs::path img = shared_dir() / "data" / "celeba" / "aligned" / "000001.jpg";
  if (!fs::exists(masks_cfg()) || !fs::exists(img)) {
    std::printf("KDFACE-SKIP: ../shared data not found (set KDFACE_SHARED_DIR)\n");
    return;
  }
  AlignOptions opt;
  opt.preset = AlignPreset::CelebaAligned;
  const AlignResult r = align_file(img.string(), opt, nullptr);
  REQUIRE(r.ok);
  Image face = r.face;
  const Image before = face;
  apply_mask(face, real_bank().masks[real_bank().index_of("surgical_blue")]);
  auto diff = [&](int x0, int y0, int x1, int y1) {
    double d = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x)
        for (int c = 0; c < 3; ++c) d += std::abs(int(face.at(x, y, c)) - int(before.at(x, y, c)));
    return d / ((x1 - x0) * (y1 - y0) * 3);
  };
  CHECK(diff(30, 20, 82, 55) == 0.0);  // forehead and eyes
  CHECK(diff(45, 80, 67, 100) > 10.0);  // mouth
  // Blue mask: blue dominates red where it is opaque.
  CHECK(int(face.at(56, 90, 2)) > int(face.at(56, 90, 0)) + 20);
}

TEST_CASE("mask throughput on real aligned faces (printed, not asserted)") {
  const fs::path dir = shared_dir() / "data" / "celeba" / "aligned";
  if (!fs::exists(masks_cfg()) || !fs::exists(dir)) {
    std::printf("KDFACE-SKIP: ../shared data not found (set KDFACE_SHARED_DIR)\n");
    return;
  }
  AlignOptions opt;
  opt.preset = AlignPreset::CelebaAligned;
  std::vector<std::vector<uint8_t>> jpegs;  // 64 aligned 112x112 faces, JPEG q95 as in shards
  for (int i = 1; i <= 64; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "%06d.jpg", i);
    const AlignResult r = align_file((dir / name).string(), opt, nullptr);
    REQUIRE(r.ok);
    jpegs.push_back(encode_jpeg(r.face, 95));
  }
  const MaskBank& bank = real_bank();
  const int n = 2000;
  struct Rates {
    double mask_us = 0, all_us = 0;
    int bad = 0;  // Catch's assertions are not thread-safe: count, check after join
  };
  auto work = [&](int tid, Rates& out) {
    double m = 0;
    const double t0 = thread_us();
    for (int i = 0; i < n; ++i) {
      Image f = decode_jpeg(jpegs[i % 64].data(), jpegs[i % 64].size(), "bench");
      const double a = thread_us();
      apply_mask(f, bank.masks[size_t(i * 7 + tid) % bank.masks.size()]);
      m += thread_us() - a;
      out.bad += encode_jpeg(f, 95).size() < 100;
    }
    out.all_us = (thread_us() - t0) / n;
    out.mask_us = m / n;
  };
  Rates r[2];
  const auto w0 = std::chrono::steady_clock::now();
  std::thread other(work, 1, std::ref(r[1]));
  work(0, r[0]);
  other.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  CHECK(r[0].bad + r[1].bad == 0);
  const double all = (r[0].all_us + r[1].all_us) / 2, mask = (r[0].mask_us + r[1].mask_us) / 2;
  std::printf("mask 112x112 real faces: decode+mask+encode %.1f us/face CPU -> %.0f faces/s on 2 cores; "
              "mask only %.1f us/face -> %.0f faces/s on 2 cores; wall (2 threads, shared machine) %.0f faces/s\n",
              all, 2e6 / all, mask, 2e6 / mask, 2 * n / wall);
}
