// Mask bank file format, alpha blending with brightness matching, and the least-squares
// homography, all without OpenCV (what the loader links).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <time.h>

#include "data/homography.h"
#include "data/mask_bank.h"
#include "engine/atomic_file.h"
#include "engine/check.h"

using namespace kd::data;

namespace {

Image solid(int w, int h, int c, std::initializer_list<int> v) {
  Image im(w, h, c);
  for (size_t i = 0; i < im.px.size(); ++i) im.px[i] = uint8_t(*(v.begin() + i % c));
  return im;
}

// A mask covering the lower half: grey `level`, alpha 255 below row h/2 + 2, 128 on rows
// h/2 .. h/2+1, 0 above.
Image half_mask(int size, int level) {
  Image m(size, size, 4);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const int a = y < size / 2 ? 0 : y < size / 2 + 2 ? 128 : 255;
      for (int c = 0; c < 3; ++c) m.at(x, y, c) = uint8_t(a ? level : 0);
      m.at(x, y, 3) = uint8_t(a);
    }
  return m;
}

double thread_us() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

}  // namespace

TEST_CASE("homography: exact from 4 points, least squares from 6, inverse, degenerate input") {
  const Homography truth = {1.2, 0.1, 5, -0.05, 0.9, 12, 0.0008, -0.0004, 1};
  double sx[6] = {0, 600, 300, 20, 590, 310}, sy[6] = {0, 10, 480, 300, 320, 50}, dx[6], dy[6];
  for (int i = 0; i < 6; ++i) apply_homography(truth, sx[i], sy[i], dx[i], dy[i]);
  for (int n : {4, 6}) {
    const Homography h = fit_homography(sx, sy, dx, dy, n);
    for (int i = 0; i < 9; ++i) CHECK(h[i] == Approx(truth[i]).margin(1e-9).epsilon(1e-7));
  }
  // Noisy sixth point: the fit spreads the error, every residual stays below the noise.
  dx[5] += 2.0;
  const Homography h = fit_homography(sx, sy, dx, dy, 6);
  for (int i = 0; i < 6; ++i) {
    double x, y;
    apply_homography(h, sx[i], sy[i], x, y);
    CHECK(std::hypot(x - dx[i], y - dy[i]) < 2.0);
  }
  const Homography inv = invert_homography(truth);
  double x, y, bx, by;
  apply_homography(truth, 123, 45, x, y);
  apply_homography(inv, x, y, bx, by);
  CHECK(bx == Approx(123));
  CHECK(by == Approx(45));
  double cx[5] = {0, 1, 2, 3, 4}, cy[5] = {0, 1, 2, 3, 4};
  CHECK_THROWS_WITH(fit_homography(cx, cy, cx, cy, 5), Catch::Contains("degenerate"));
  CHECK_THROWS_WITH(fit_homography(cx, cy, cx, cy, 3), Catch::Contains("at least 4"));
}

TEST_CASE("brightness gain and alpha blend match the documented rule") {
  MaskBank bank;
  bank.size = 16;
  bank.add("grey200", half_mask(16, 200));
  const MaskEntry& m = bank.masks[0];
  CHECK(m.y0 == 8);
  CHECK(m.y1 == 16);
  CHECK(m.luma == Approx(200.0).epsilon(1e-6));
  // Face luminance 100 under the mask: g = (200 + 0.5 (100 - 200)) / 200 = 0.75.
  Image face = solid(16, 16, 3, {100, 100, 100});
  CHECK(mask_brightness_gain(face, m) == Approx(0.75));
  apply_mask(face, m);
  CHECK(face.at(3, 2, 0) == 100);  // alpha 0: untouched
  CHECK(face.at(3, 12, 1) == 150);  // alpha 255: 0.75 * 200
  // alpha 128: 128/255 * 150 + 127/255 * 100 = 124.90 -> 125
  CHECK(face.at(3, 8, 2) == 125);
  // Dark mask on a bright face: the gain stops at 1.15.
  MaskBank dark;
  dark.size = 16;
  dark.add("grey50", half_mask(16, 50));
  Image bright = solid(16, 16, 3, {250, 250, 250});
  CHECK(mask_brightness_gain(bright, dark.masks[0]) == Approx(1.15));
  apply_mask(bright, dark.masks[0]);
  CHECK(bright.at(0, 15, 0) == 58);  // 57.5 rounds half up
  // Only the face under the mask counts: a face black above and 100 below gives g = 0.75.
  Image two = solid(16, 16, 3, {100, 100, 100});
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 16; ++x)
      for (int c = 0; c < 3; ++c) two.at(x, y, c) = 0;
  CHECK(mask_brightness_gain(two, m) == Approx(0.75));
  Image wrong = solid(8, 8, 3, {1, 2, 3});
  CHECK_THROWS_WITH(apply_mask(wrong, m), Catch::Contains("grey200") && Catch::Contains("8x8"));
}

TEST_CASE("mask bank file: round trip and errors that name the file") {
  MaskBank bank;
  bank.size = 16;
  bank.add("a", half_mask(16, 200));
  bank.add("cloth_left", half_mask(16, 30));
  CHECK(bank.index_of("cloth_left") == 1);
  CHECK_THROWS_WITH(bank.index_of("N95"), Catch::Contains("'N95'") && Catch::Contains("a, cloth_left"));
  CHECK_THROWS_WITH(bank.add("a", half_mask(16, 1)), Catch::Contains("already"));
  CHECK_THROWS_WITH(bank.add("b", half_mask(8, 1)), Catch::Contains("16x16"));
  Image clear(16, 16, 4);
  CHECK_THROWS_WITH(bank.add("clear", clear), Catch::Contains("transparent"));

  const std::string bytes = serialize_mask_bank(bank);
  CHECK(bytes.size() == 8 + 12 + 2 * (4 + 16 * 16 * 4) + 1 + 10 + 8);
  const MaskBank back = parse_mask_bank(bytes, "mem");
  REQUIRE(back.masks.size() == 2);
  CHECK(back.size == 16);
  CHECK(back.masks[1].name == "cloth_left");
  CHECK(back.masks[1].rgba.px == bank.masks[1].rgba.px);
  CHECK(back.masks[1].luma == Approx(30.0));

  std::string flipped = bytes;
  flipped[100] ^= 1;
  CHECK_THROWS_WITH(parse_mask_bank(flipped, "bank.bin"), Catch::Contains("bank.bin") && Catch::Contains("hash"));
  CHECK_THROWS_WITH(parse_mask_bank(bytes.substr(0, 500), "bank.bin"), Catch::Contains("truncated"));
  CHECK_THROWS_WITH(parse_mask_bank("PNG....xxxxxxxxxxxxxxxx", "x.png"), Catch::Contains("x.png") && Catch::Contains("magic"));
  CHECK_THROWS_WITH(parse_mask_bank(bytes + "junk", "bank.bin"), Catch::Contains("unexpected bytes"));

  // Found by fuzz/fuzz_mask_bank: a mask the bank refuses (here a second "a") was an error that
  // did not name the file. The hash is recomputed, as a corrupt writer would have.
  MaskBank twins;
  twins.size = 16;
  twins.add("a", half_mask(16, 200));
  twins.add("b", half_mask(16, 30));
  std::string dup = serialize_mask_bank(twins);
  const size_t second_name = 20 + (4 + 1 + 16 * 16 * 4) + 4;  // header, mask "a", the length of "b"
  dup[second_name] = 'a';
  dup.resize(dup.size() - 8);
  uint64_t h = 1469598103934665603ULL;
  for (char c : dup) h = (h ^ uint8_t(c)) * 1099511628211ULL;
  for (int i = 0; i < 8; ++i) dup.push_back(char((h >> (8 * i)) & 0xFF));
  CHECK_THROWS_WITH(parse_mask_bank(dup, "twins.bin"), Catch::Contains("twins.bin") && Catch::Contains("already"));

  const std::string path = (std::filesystem::temp_directory_path() / "kdface_test_mask_bank.bin").string();
  save_mask_bank(bank, path);
  CHECK(load_mask_bank(path).masks[0].rgba.px == bank.masks[0].rgba.px);
  std::filesystem::remove(path);
  CHECK_THROWS_WITH(load_mask_bank(path), Catch::Contains("kdface_test_mask_bank.bin"));
}

TEST_CASE("apply_mask timing on 112x112 (printed, not asserted)") {
  MaskBank bank;
  bank.add("half", half_mask(112, 180));
  Image face = solid(112, 112, 3, {120, 90, 70});
  const int n = 5000;
  const double t0 = thread_us();
  for (int i = 0; i < n; ++i) apply_mask(face, bank.masks[0]);
  std::printf("apply_mask 112x112, half-face mask: %.1f us/face (thread CPU time)\n", (thread_us() - t0) / n);
}
