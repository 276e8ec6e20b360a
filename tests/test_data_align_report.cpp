// align_report.tsv (both layouts, errors naming file and line), the pool lookup pack uses,
// and the box-alignment maths that faces without landmarks go through.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <functional>
#include <string>

#include "data/align_report.h"
#include "data/box_alignment.h"
#include "engine/atomic_file.h"
#include "engine/check.h"

namespace fs = std::filesystem;
using namespace kd::data;

namespace {

fs::path temp_dir() {
  fs::path d = fs::temp_directory_path() / ("kdface_test_align_report_" + std::to_string(getpid()));
  fs::create_directories(d);
  return d;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const kd::Error& e) {
    return e.what();
  }
  return "<no kd::Error thrown>";
}

const std::string kHeader = std::string(kAlignReportMagic) + " layout=status size=112 preset=wild\n" +
                            kAlignReportColumns + "\n";

}  // namespace

TEST_CASE("align reports read back what align_report_line writes, both layouts") {
  fs::path dir = temp_dir();
  std::string text = kHeader;
  text += align_report_line({"a/1.jpg", "aligned", "dlib68", "1.0,2.0,30.0,31.0", ""});
  text += align_report_line({"a/2.png", "skipped", "-", "", "no\tface found"});
  text += align_report_line({"b/3.jpg", "center", "center", "10.0,10.0,90.0,90.0", "no face found; centre crop"});
  text += "# summary: aligned 2 of 3\n";
  kd::write_file_atomic((dir / "r.tsv").string(), text);
  AlignReport r = read_align_report((dir / "r.tsv").string());
  CHECK_FALSE(r.legacy);
  REQUIRE(r.rows.size() == 3);
  CHECK(r.rows[0].reason == "-");  // empty fields are written as "-"
  CHECK(r.rows[1].box == "-");
  CHECK(r.rows[1].reason == "no face found");
  CHECK(r.rows[1].status == "skipped");
  CHECK(r.rows[2].method == "center");
  CHECK(r.summary == "aligned 2 of 3");

  // The layout before every input was listed: only failures, "path<TAB>reason".
  kd::write_file_atomic((dir / "old.tsv").string(),
                        "# kdface-data align report: images not aligned\n# relative_path\treason\n"
                        "000093.jpg\tno face found\n# summary: aligned 1 of 2\n");
  AlignReport old = read_align_report((dir / "old.tsv").string());
  CHECK(old.legacy);
  REQUIRE(old.rows.size() == 1);
  CHECK(old.rows[0].status == "skipped");
  CHECK(old.rows[0].reason == "no face found");
  fs::remove_all(dir);
}

TEST_CASE("malformed align reports are errors naming the file and line") {
  fs::path dir = temp_dir();
  const std::string f = (dir / "bad.tsv").string();
  kd::write_file_atomic(f, kHeader + "x.jpg\tmaybe\t-\t-\t-\n");
  CHECK_THAT(error_of([&] { read_align_report(f); }), Catch::Contains(f + ":3") && Catch::Contains("maybe"));
  kd::write_file_atomic(f, kHeader + "x.jpg\taligned\tdlib68\n");
  CHECK_THAT(error_of([&] { read_align_report(f); }), Catch::Contains(f + ":3") && Catch::Contains("5 tab"));
  kd::write_file_atomic(f, kHeader + "x.jpg\taligned\tdlib68\t-\t-\nx.jpg\tskipped\t-\t-\t-\n");
  CHECK_THAT(error_of([&] { read_align_report(f); }), Catch::Contains(f + ":4") && Catch::Contains("line 3"));
  kd::write_file_atomic(f, "path\treason\n");
  CHECK_THAT(error_of([&] { read_align_report(f); }), Catch::Contains(f) && Catch::Contains("not an align report"));
  fs::remove_all(dir);
}

TEST_CASE("AlignReports answers for a pool of per-folder align runs") {
  fs::path dir = temp_dir();
  fs::create_directories(dir / "wild");
  fs::create_directories(dir / "gray/sub");
  kd::write_file_atomic((dir / "wild/align_report.tsv").string(),
                        kHeader + align_report_line({"1.jpg", "skipped", "-", "", "no face found"}) +
                            align_report_line({"2.jpg", "aligned", "profile-box", "0,0,9,9", ""}));
  kd::write_file_atomic((dir / "gray/align_report.tsv").string(),
                        kHeader + align_report_line({"sub/3.jpg", "center", "center", "", ""}));
  kd::write_file_atomic((dir / "align_report.tsv").string(),
                        kHeader + align_report_line({"top.jpg", "skipped", "-", "", "unreadable file"}));
  AlignReports reps(dir.string());
  std::string file;
  const AlignReportRow* r = reps.find("wild/1.jpg", &file);
  REQUIRE(r);
  CHECK(r->status == "skipped");
  CHECK(file == (dir / "wild/align_report.tsv").string());
  REQUIRE(reps.find("wild/2.jpg"));
  CHECK(reps.find("wild/2.jpg")->method == "profile-box");
  REQUIRE(reps.find("gray/sub/3.jpg"));  // listed in gray/'s report relative to gray/
  CHECK(reps.find("gray/sub/3.jpg")->status == "center");
  REQUIRE(reps.find("top.jpg"));
  CHECK(reps.find("wild/9.jpg") == nullptr);
  CHECK(reps.find("crops/1.jpg") == nullptr);  // no report there at all
  fs::remove_all(dir);
}

TEST_CASE("box alignment takes the box onto the geometry: scale and translation only") {
  const FaceBox box{40, 20, 120, 100};  // 80 x 80, centre (79.5, 59.5)
  const BoxGeometry g{55.0, 60.0, 88.0};
  Similarity t = similarity_from_box(box, g, 112);
  CHECK(t.b == 0);  // no rotation
  CHECK(t.scale() == Approx(88.0 / 80.0));
  double x, y;
  t.apply(box.centre_x(), box.centre_y(), x, y);
  CHECK(x == Approx(55.0));
  CHECK(y == Approx(60.0));
  // The box's left edge (pixel-centre x = left - 0.5) lands side/2 left of the centre.
  t.apply(box.left - 0.5, box.centre_y(), x, y);
  CHECK(x == Approx(55.0 - 44.0));

  // Mirrored: the centre goes to 111 - cx; other sizes scale the 112 frame about the origin.
  Similarity m = similarity_from_box(box, g, 224, true);
  m.apply(box.centre_x(), box.centre_y(), x, y);
  CHECK(x == Approx(2 * (111 - 55.0)));
  CHECK(y == Approx(2 * 60.0));
  CHECK(m.scale() == Approx(2 * 88.0 / 80.0));
  CHECK_THAT(error_of([&] { similarity_from_box(FaceBox{5, 5, 5, 9}, g, 112); }), Catch::Contains("empty face box"));
}

TEST_CASE("centre squares, mirrored boxes and IoU") {
  FaceBox c = centre_box(150, 100, CenterBox{0.5, 0.5, 0.5});  // side 50, centred on pixel (74.5, 49.5)
  CHECK(c.width() == Approx(50));
  CHECK(c.height() == Approx(50));
  CHECK(c.centre_x() == Approx(74.5));
  CHECK(c.centre_y() == Approx(49.5));
  FaceBox d = centre_box(150, 100, CenterBox{0.4, 0.6, 1.0});  // side 100 around (59.5, 59.5)
  CHECK(d.width() == Approx(100));
  CHECK(d.centre_x() == Approx(0.4 * 150 - 0.5));
  CHECK(d.centre_y() == Approx(0.6 * 100 - 0.5));
  CHECK_THAT(error_of([] { centre_box(10, 10, CenterBox{0.5, 0.5, 0}); }), Catch::Contains("side in (0, 4]"));

  const FaceBox b{10, 5, 30, 25};
  FaceBox m = mirror_box(b, 100);  // columns 10..29 -> 70..89
  CHECK(m.left == 70);
  CHECK(m.right == 90);
  CHECK(m.centre_x() == Approx(99 - b.centre_x()));
  FaceBox back = mirror_box(m, 100);
  CHECK(back.left == b.left);
  CHECK(back.right == b.right);

  CHECK(box_iou(b, b) == Approx(1));
  CHECK(box_iou(b, FaceBox{30, 5, 50, 25}) == 0);                    // touching edges
  CHECK(box_iou(b, FaceBox{20, 5, 40, 25}) == Approx(200.0 / 600));  // half overlap
}
