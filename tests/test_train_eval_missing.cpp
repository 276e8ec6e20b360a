// kdface-eval with images missing from the pair list: --on-missing skip scores the other pairs
// exactly as a list without the unscored ones, and lists them (report, unscored_pairs.tsv,
// console); --on-missing fail stops with the first missing file and the counts. Both through
// the library and through the binary.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data/jpeg_codec.h"
#include "data/shard.h"
#include "engine/atomic_file.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/rng.h"
#include "eval/report_types.h"
#include "models/resnext_cbam.h"
#include "tools/kdface-eval/eval_options.h"
#include "tools/kdface-eval/run_evaluation.h"
#include "tests/support/synthetic_face.h"
#include "tests/support/student_checkpoint.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace kd;

namespace {

constexpr int kIds = 10, kFolds = 10;

std::string face_name(int id, int k) { return "faces/id" + std::to_string(id) + "_" + std::to_string(k) + ".jpg"; }

using kdtest::synthetic_face;

struct Line {
  int fold;
  std::string a, b;
  bool same;
};

struct Fixture {
  std::string root;
  std::vector<Line> lines;  // 10 folds x (2 same + 2 different)

  Fixture() {
    root = (fs::current_path() / ("eval_missing_" + std::to_string(::getpid()))).string();
    fs::remove_all(root);
    fs::create_directories(root + "/faces");
    Generator g(5);
    for (int i = 0; i < kIds; ++i)
      for (int k = 0; k < 2; ++k) {
        auto jpeg = data::encode_jpeg(synthetic_face(i, k, g), 90);
        std::ofstream(root + "/" + face_name(i, k), std::ios::binary)
            .write(reinterpret_cast<const char*>(jpeg.data()), std::streamsize(jpeg.size()));
      }
    for (int f = 0; f < kFolds; ++f) {
      const int i = f, j = (f + 1) % kIds, k = (f + 3) % kIds;
      lines.push_back({f, face_name(i, 0), face_name(i, 1), true});
      lines.push_back({f, face_name(j, 1), face_name(j, 0), true});
      lines.push_back({f, face_name(i, 0), face_name(j, 0), false});
      lines.push_back({f, face_name(k, 1), face_name(i, 1), false});
    }
    const json model_cfg = {{"preset", "tiny"}, {"depths", {1, 1, 1, 1}}};
    models::ResNeXtCBAM net(models::ResNeXtConfig::from_json(model_cfg, "test"), 5);
    Checkpoint ck = kdtest::student_checkpoint(net, model_cfg);
    ck.step = 1;
    fs::create_directories(root + "/run/checkpoints");
    save_checkpoint(checkpoint_path(root + "/run/checkpoints", 1), ck);
  }
  ~Fixture() { fs::remove_all(root); }

  // Writes the lines for which keep(line) holds as a pairs file; returns its path.
  template <class Keep>
  std::string pairs_file(const std::string& name, Keep keep) const {
    std::string tsv = "fold\timage_a\timage_b\tsame\n";
    for (const Line& l : lines)
      if (keep(l)) tsv += kd::str(l.fold, "\t", l.a, "\t", l.b, "\t", l.same ? 1 : 0, "\n");
    write_file_atomic(root + "/" + name, tsv);
    return root + "/" + name;
  }

  evaltool::EvalOptions options(const std::string& pairs, const std::string& out) const {
    evaltool::EvalOptions o;
    o.models = {root + "/run"};
    o.pairs = pairs;
    o.root = root;
    o.scales = {1, 4};
    o.scoring = {"askd", "insightface"};
    o.batch = 8;
    o.out = root + "/" + out;
    o.command_line = "test_train_eval_missing";
    o.quiet = true;
    return o;
  }
};

const std::string kGone = face_name(3, 1);  // in 4 pairs: folds 0, 2 and 3 (twice)

int run(const std::string& cmd, const std::string& log, std::string* output) {
  const int rc = std::system((cmd + " >" + log + " 2>&1").c_str());
  *output = read_file(log);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace

TEST_CASE("--on-missing skip scores the other pairs exactly as a list without the unscored ones") {
  Fixture fx;
  const std::string all = fx.pairs_file("all.tsv", [](const Line&) { return true; });
  const std::string without =
      fx.pairs_file("without.tsv", [](const Line& l) { return l.a != kGone && l.b != kGone; });
  fs::remove(fx.root + "/" + kGone);
  int64_t expected_unscored = 0;
  for (const Line& l : fx.lines) expected_unscored += (l.a == kGone || l.b == kGone);
  REQUIRE(expected_unscored == 4);

  evaltool::EvalOptions o = fx.options(all, "skip");
  REQUIRE(o.on_missing == "skip");  // the default
  eval::EvalReport r = evaltool::run_and_write(o);
  eval::EvalReport ref = evaltool::run_evaluation(fx.options(without, "ref"));
  REQUIRE(int64_t(r.unscored.size()) == expected_unscored);
  for (const eval::UnscoredPair& u : r.unscored) {
    CHECK((u.a == kGone || u.b == kGone));
    CHECK_THAT(u.reason, Catch::Contains(kGone) && Catch::Contains("no such file"));
  }
  CHECK(r.pairs["pairs"] == 36);
  CHECK(r.pairs["selected_pairs"] == 40);
  CHECK(r.pairs["unscored_pairs"] == 4);
  CHECK(r.pairs["unreadable_images"] == 1);
  REQUIRE(r.entries.size() == ref.entries.size());
  for (size_t i = 0; i < r.entries.size(); ++i) {
    CHECK(r.entries[i].result.mean == ref.entries[i].result.mean);
    CHECK(r.entries[i].result.scores == ref.entries[i].result.scores);
  }

  // The files say it too: report.md, report.json, unscored_pairs.tsv.
  const std::string md = read_file(o.out + "/report.md");
  CHECK_THAT(md, Catch::Contains("4 of 40 pairs could not be scored") && Catch::Contains("over the 36 scored pairs"));
  CHECK(json::parse(read_file(o.out + "/report.json"))["pairs"]["unscored_pairs"] == 4);
  const std::string tsv = read_file(o.out + "/unscored_pairs.tsv");
  CHECK(std::count(tsv.begin(), tsv.end(), '\n') == 5);  // header + 4
  CHECK_THAT(tsv, Catch::Contains(kGone));
  // A complete run writes the file with its header only, so no stale list survives.
  evaltool::run_and_write(fx.options(without, "skip"));
  CHECK(read_file(o.out + "/unscored_pairs.tsv").find(kGone) == std::string::npos);
}

TEST_CASE("--on-missing fail stops naming the first missing image and the counts") {
  Fixture fx;
  const std::string all = fx.pairs_file("all.tsv", [](const Line&) { return true; });
  fs::remove(fx.root + "/" + kGone);
  evaltool::EvalOptions o = fx.options(all, "fail");
  o.on_missing = "fail";
  try {
    evaltool::run_evaluation(o);
    FAIL("no error for a missing image");
  } catch (const Error& e) {
    CHECK_THAT(e.what(), Catch::Contains(kGone) && Catch::Contains("1 of 20 images") &&
                             Catch::Contains("4 of 40 pairs cannot be scored") && Catch::Contains("--on-missing skip"));
  }
  o.on_missing = "maybe";
  CHECK_THROWS_WITH(evaltool::run_evaluation(o), Catch::Contains("--on-missing: expected skip or fail"));
}

TEST_CASE("skipping that empties a fold or leaves no pair is a clear error") {
  Fixture fx;
  // Fold 5's pairs: (5_0, 5_1), (6_1, 6_0), (5_0, 6_0), (8_1, 5_1); every other fold keeps
  // a pair without these three images.
  const std::string all = fx.pairs_file("all.tsv", [](const Line&) { return true; });
  for (auto [id, k] : {std::pair{5, 0}, std::pair{5, 1}, std::pair{6, 0}}) fs::remove(fx.root + "/" + face_name(id, k));
  CHECK_THROWS_WITH(evaltool::run_evaluation(fx.options(all, "x")),
                    Catch::Contains("fold 5 has no pair left") && Catch::Contains("no such file"));
  evaltool::EvalOptions none = fx.options(all, "y");
  none.root = fx.root + "/nowhere";
  CHECK_THROWS_WITH(evaltool::run_evaluation(none), Catch::Contains("no pair can be scored"));
}

TEST_CASE("the kdface-eval binary reports unscored pairs, or exits 1 with --on-missing fail") {
  Fixture fx;
  const std::string all = fx.pairs_file("all.tsv", [](const Line&) { return true; });
  fs::remove(fx.root + "/" + kGone);
  const std::string base = std::string(KDFACE_EVAL_BIN) + " --quiet --model " + fx.root + "/run --pairs " + all +
                           " --root " + fx.root + " --scales 1 --batch 8";
  std::string out;
  REQUIRE(run(base + " --out " + fx.root + "/bin_skip", fx.root + "/log", &out) == 0);
  CHECK_THAT(out, Catch::Contains("4 of 40 pairs could not be scored") && Catch::Contains("unscored: fold 0") &&
                      Catch::Contains(kGone));
  CHECK(fs::exists(fx.root + "/bin_skip/unscored_pairs.tsv"));
  CHECK(run(base + " --on-missing fail --out " + fx.root + "/bin_fail", fx.root + "/log", &out) == 1);
  CHECK_THAT(out, Catch::Contains("kdface-eval: error:") && Catch::Contains(kGone) &&
                      Catch::Contains("4 of 40 pairs cannot be scored"));
  CHECK_FALSE(fs::exists(fx.root + "/bin_fail/report.json"));
}
