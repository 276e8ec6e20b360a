// Every recipe in configs/ trains a few steps on the CPU with tiny shapes (overrides, not
// separate fake recipes); a killed-and-resumed run reproduces the uninterrupted one bit for
// bit; a diverging run stops naming the step and the term and keeps its last checkpoint; an
// epoch's evaluation is exactly what kdface-eval reports for the checkpoint of that step.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "data/jpeg_codec.h"
#include "data/mask_bank.h"
#include "data/shard.h"
#include "engine/atomic_file.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/config.h"
#include "engine/rng.h"
#include "tools/kdface-eval/run_evaluation.h"
#include "train/trainer.h"
#include "tests/support/synthetic_face.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace kd;

namespace {

using kdtest::synthetic_face;

struct Fixture {
  std::string root, shards, faces, pairs, bank;
  Fixture() {
    root = (fs::current_path() / ("train_recipes_" + std::to_string(::getpid()))).string();
    fs::remove_all(root);
    fs::create_directories(root);
    shards = root + "/shards";
    faces = root + "/faces";
    fs::create_directories(faces + "/aligned");
    Generator g(7);
    const int ids = 4, per = 6;
    std::vector<std::string> names;
    for (int i = 0; i < ids; ++i) names.push_back("id" + std::to_string(i));
    data::ShardSetWriter w(shards, 10, names, {{"made_by", "test_train_recipes"}});
    for (int i = 0; i < ids; ++i)
      for (int k = 0; k < per; ++k) {
        auto jpeg = data::encode_jpeg(synthetic_face(i, k, g), 90);
        std::string rel = "aligned/" + names[size_t(i)] + "_" + std::to_string(k) + ".jpg";
        w.add(jpeg, i, rel);
        write_file_atomic(faces + "/" + rel, std::string(jpeg.begin(), jpeg.end()));
      }
    w.finish();
    // 10 folds x (1 same + 1 different) pairs over the same images.
    std::ofstream p(root + "/pairs.tsv");
    p << "fold\timage_a\timage_b\tsame\n";
    for (int f = 0; f < 10; ++f) {
      int i = f % ids;
      p << f << "\taligned/id" << i << "_0.jpg\taligned/id" << i << "_" << 1 + f % 5 << ".jpg\t1\n";
      p << f << "\taligned/id" << i << "_2.jpg\taligned/id" << (i + 1) % ids << "_3.jpg\t0\n";
    }
    pairs = root + "/pairs.tsv";
    // A two-entry mask bank: a grey band over the lower face.
    data::MaskBank mb;
    for (int m = 0; m < 2; ++m) {
      data::Image rgba(112, 112, 4);
      for (int y = 0; y < 112; ++y)
        for (int x = 0; x < 112; ++x) {
          bool in = y > 60 + 5 * m && x > 20 && x < 92;
          for (int c = 0; c < 3; ++c) rgba.at(x, y, c) = uint8_t(150 + 40 * m);
          rgba.at(x, y, 3) = in ? 255 : 0;
        }
      mb.add("band" + std::to_string(m), rgba);
    }
    bank = root + "/masks.bank";
    data::save_mask_bank(mb, bank);
  }
  ~Fixture() { fs::remove_all(root); }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// The tiny-shape overrides every recipe gets in CI.
json load_tiny(const std::string& recipe, const std::string& teacher_dir) {
  Fixture& fx = fixture();
  json cfg = load_config(std::string(KDFACE_SOURCE_DIR) + "/configs/" + recipe);
  for (std::string s : {"data.batch=4", "data.threads=1", "max_steps=2", "log_every=1", "checkpoint_every=2", "optim.warmup=0"})
    apply_override(cfg, s);
  apply_override(cfg, "data.train=" + fx.shards);
  apply_override(cfg, "student.model={\"preset\": \"tiny\", \"depths\": [1, 1, 1, 1]}");
  if (cfg["data"].contains("mask_bank")) apply_override(cfg, "data.mask_bank=" + fx.bank);
  if (cfg.contains("teacher")) {
    apply_override(cfg, "teacher.model={\"preset\": \"tiny\", \"depths\": [1, 1, 1, 1]}");
    apply_override(cfg, "teacher.checkpoint=" + teacher_dir);
  }
  if (cfg.contains("eval")) {
    apply_override(cfg, "eval.pairs=" + fx.pairs);
    apply_override(cfg, "eval.root=" + fx.faces);
    apply_override(cfg, "eval.scales=[1, 4]");
  }
  return cfg;
}

train::RunSummary run(const json& cfg, const std::string& out, int64_t stop_after = 0, bool resume = false) {
  train::RunOptions opt;
  opt.out_dir = out;
  opt.quiet = true;
  opt.stop_after = stop_after;
  opt.resume = resume;
  return train::run_training(train::parse_train_config(cfg, "test"), opt);
}

std::vector<json> events(const std::string& run_dir, const std::string& event) {
  std::vector<json> out;
  std::ifstream in(run_dir + "/log.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line);
    if (j["event"] == event) out.push_back(j);
  }
  return out;
}
std::vector<json> step_lines(const std::string& run_dir) { return events(run_dir, "step"); }
std::vector<json> eval_lines(const std::string& run_dir) { return events(run_dir, "eval"); }

const std::string& tiny_teacher() {
  static std::string dir = [] {
    std::string d = fixture().root + "/teacher";
    run(load_tiny("teacher.json", ""), d);
    return d;
  }();
  return dir;
}

}  // namespace

TEST_CASE("every recipe in configs/ runs a few steps with tiny shapes", "[train]") {
  std::vector<std::string> recipes;
  for (auto& e : fs::directory_iterator(std::string(KDFACE_SOURCE_DIR) + "/configs"))
    if (e.path().extension() == ".json") recipes.push_back(e.path().filename().string());
  std::sort(recipes.begin(), recipes.end());
  REQUIRE(recipes.size() >= 11);
  const std::string teacher = tiny_teacher();
  for (auto& r : recipes) {
    INFO("recipe " << r);
    std::string out = fixture().root + "/run_" + r;
    train::RunSummary s;
    REQUIRE_NOTHROW(s = run(load_tiny(r, teacher), out));
    CHECK(s.steps == 2);
    CHECK(std::isfinite(s.last_loss));
    CHECK(fs::exists(s.last_checkpoint));
    auto lines = step_lines(out);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0]["loss"].contains("total"));
    json resolved = json::parse(read_file(out + "/config.json"));
    CHECK(resolved["data"]["batch"] == 4);
  }
}

TEST_CASE("an epoch's evaluation equals kdface-eval on the checkpoint of that step", "[train][eval]") {
  json cfg = load_tiny("kd_full.json", tiny_teacher());
  apply_override(cfg, "max_steps=0");
  apply_override(cfg, "epochs=1");  // 24 images / batch 4 = 6 steps, then the evaluation
  apply_override(cfg, "eval.batch=5");
  // Noise draws from the degradation seeds: a different seed rule would change the scores.
  apply_override(cfg, "data.degrade={\"protocol\": \"paper\", \"noise_std\": 6}");
  std::string out = fixture().root + "/eval_run";
  train::RunSummary s = run(cfg, out);
  CHECK(s.steps == 6);
  std::vector<json> evals = eval_lines(out);
  REQUIRE(evals.size() == 1);
  const json& ev = evals[0];
  CHECK(ev["step"] == 6);
  CHECK(ev["pairs"] == 20);
  CHECK(ev["unscored_pairs"] == 0);
  CHECK(s.best_accuracy == ev["accuracy"].get<double>());

  evaltool::EvalOptions o;
  o.models = {out};  // its newest checkpoint: step 6, the step the evaluation ran at
  o.pairs = fixture().pairs;
  o.root = fixture().faces;
  o.scales = {1, 4};
  o.scoring = {"askd"};
  o.degrade = cfg["data"]["degrade"].dump();  // as a user passes a run's data.degrade
  o.batch = 5;
  o.quiet = true;
  eval::EvalReport rep = evaltool::run_evaluation(o);
  REQUIRE(rep.entries.size() == 2);
  for (const eval::ReportEntry& e : rep.entries) {
    INFO("x" << e.scale);
    const json& t = ev["scales"][std::to_string(e.scale)];
    // Exact: the same views, seeds, batches and scoring, so the same floats.
    CHECK(t["mean"].get<double>() == e.result.mean);
    CHECK(t["std"].get<double>() == e.result.std);
    REQUIRE(t["folds"].size() == e.result.folds.size());
    for (size_t k = 0; k < e.result.folds.size(); ++k) {
      CHECK(t["folds"][k]["accuracy"].get<double>() == e.result.folds[k].accuracy);
      CHECK(t["folds"][k]["threshold"].get<double>() == e.result.folds[k].threshold);
    }
    // Fold accuracies sit on a threshold grid and can survive a changed score; a TAR@FAR
    // threshold is one pair's score itself, so it catches any difference in the views.
    REQUIRE(t["tar_at_far"].size() == e.result.tar_at_far.size());
    for (size_t k = 0; k < e.result.tar_at_far.size(); ++k)
      CHECK(t["tar_at_far"][k]["threshold"].get<double>() == e.result.tar_at_far[k].threshold);
  }
}

TEST_CASE("an evaluation image that is missing leaves its pair unscored, not the run stopped", "[train][eval]") {
  const std::string gone = "aligned/id0_0.jpg";  // in the same pairs of folds 0, 4 and 8
  json cfg = load_tiny("student_baseline.json", "");
  apply_override(cfg, "max_steps=0");
  apply_override(cfg, "epochs=1");
  std::string faces = fixture().root + "/faces_missing";
  fs::remove_all(faces);
  fs::create_directories(faces);
  fs::copy(fixture().faces, faces, fs::copy_options::recursive);
  fs::remove(faces + "/" + gone);
  apply_override(cfg, "eval.root=" + faces);
  std::string out = fixture().root + "/eval_missing_run";
  run(cfg, out);
  std::vector<json> evals = eval_lines(out);
  REQUIRE(evals.size() == 1);
  CHECK(evals[0]["unscored_pairs"] == 3);
  CHECK(evals[0]["pairs"] == 17);
}

TEST_CASE("a killed and resumed run reproduces the uninterrupted run bit for bit", "[train][resume]") {
  json cfg = load_tiny("kd_full.json", tiny_teacher());
  apply_override(cfg, "max_steps=7");
  apply_override(cfg, "checkpoint_every=3");
  apply_override(cfg, "eval.pairs=\"\"");
  std::string a = fixture().root + "/resume_a", b = fixture().root + "/resume_b";
  run(cfg, a);
  // Killed after step 5: the checkpoint of step 3 survives, steps 4-5 are lost and redone.
  run(cfg, b, /*stop_after=*/5);
  fs::remove(checkpoint_path(b + "/checkpoints", 5));
  run(cfg, b, 0, /*resume=*/true);
  auto la = step_lines(a), lb = step_lines(b);
  REQUIRE(la.size() == 7);
  REQUIRE(lb.size() == 7);
  for (size_t i = 0; i < la.size(); ++i) {
    INFO("step " << la[i]["step"]);
    CHECK(la[i]["step"] == lb[i]["step"]);
    CHECK(la[i]["loss"].dump() == lb[i]["loss"].dump());  // every term, to the last bit
  }
  Checkpoint ca = load_checkpoint(checkpoint_path(a + "/checkpoints", 7));
  Checkpoint cb = load_checkpoint(checkpoint_path(b + "/checkpoints", 7));
  REQUIRE(ca.model.size() == cb.model.size());
  for (auto& [k, t] : ca.model) {
    const Tensor& u = cb.model.at(k);
    REQUIRE(t.numel() == u.numel());
    INFO(k);
    REQUIRE(t.dtype() == u.dtype());
    const void* pt = t.dtype() == DType::I64 ? static_cast<const void*>(t.data<int64_t>()) : t.data<float>();
    const void* pu = u.dtype() == DType::I64 ? static_cast<const void*>(u.data<int64_t>()) : u.data<float>();
    CHECK(std::memcmp(pt, pu, t.nbytes()) == 0);
  }
}

TEST_CASE("the margin warm-up grows the margin linearly over its steps", "[train][margin]") {
  // With m_warmup 4 the first step runs at m / 4, the second at m / 2: the same losses as
  // runs with those margins and no warm-up.
  auto first_losses = [](const std::string& name, double m, int warmup) {
    json cfg = load_tiny("teacher.json", "");
    apply_override(cfg, "max_steps=2");
    apply_override(cfg, "eval.pairs=\"\"");
    apply_override(cfg, "student.head={\"kind\": \"arcface\", \"s\": 32.0, \"m\": " + std::to_string(m) +
                            ", \"m_warmup\": " + std::to_string(warmup) + "}");
    run(cfg, fixture().root + "/margin_" + name);
    auto lines = step_lines(fixture().root + "/margin_" + name);
    REQUIRE(lines.size() == 2);
    return std::vector<double>{lines[0]["loss"]["cls"].get<double>(), lines[1]["loss"]["cls"].get<double>()};
  };
  auto warm = first_losses("warm", 0.4, 4), quarter = first_losses("quarter", 0.1, 0),
       full = first_losses("full", 0.4, 0);
  CHECK(warm[0] == quarter[0]);
  CHECK(warm[0] < full[0]);
  CHECK(warm[1] != quarter[1]);  // the margin moved on to 0.2
  json bad = load_tiny("teacher.json", "");
  apply_override(bad, "student.head={\"kind\": \"arcface\", \"m_warmup\": -1}");
  CHECK_THROWS_WITH(train::parse_train_config(bad, "teacher.json"), Catch::Contains("student.head.m_warmup"));
  // Found by fuzz/fuzz_train_config: a negative loss weight was the one error without the file.
  json neg = load_tiny("teacher.json", "");
  apply_override(neg, "loss.cls=-5");
  CHECK_THROWS_WITH(train::parse_train_config(neg, "teacher.json"),
                    Catch::Contains("teacher.json") && Catch::Contains("loss.cls: a loss weight must be finite"));
}

TEST_CASE("a diverging run stops naming the step and term and keeps its checkpoint", "[train][nan]") {
  json cfg = load_tiny("student_baseline.json", "");
  apply_override(cfg, "optim.lr=1e30");
  apply_override(cfg, "optim.schedule=\"constant\"");
  apply_override(cfg, "max_steps=6");
  apply_override(cfg, "checkpoint_every=1");
  apply_override(cfg, "eval.pairs=\"\"");
  std::string out = fixture().root + "/nan_run";
  std::string msg;
  try {
    run(cfg, out);
  } catch (const Error& e) {
    msg = e.what();
  }
  REQUIRE(!msg.empty());
  CHECK(msg.find("at step") != std::string::npos);
  CHECK(msg.find("loss term \"") != std::string::npos);
  std::string last = latest_checkpoint(out + "/checkpoints");
  REQUIRE(!last.empty());
  CHECK(msg.find(last) != std::string::npos);
  CHECK_NOTHROW(load_checkpoint(last));
}

TEST_CASE("config errors name the key", "[train][config]") {
  json cfg = load_tiny("kd_full.json", tiny_teacher());
  cfg["optim"]["lrr"] = 0.1;
  try {
    train::parse_train_config(cfg, "kd_full.json");
    FAIL("unknown key accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("optim.lrr") != std::string::npos);
  }
  json bad = load_tiny("kd_full.json", tiny_teacher());
  bad["data"]["batch"] = "64";
  CHECK_THROWS_WITH(train::parse_train_config(bad, "kd_full.json"), Catch::Contains("data.batch"));
  json out_dir_reuse = load_tiny("student_baseline.json", "");
  apply_override(out_dir_reuse, "eval.pairs=\"\"");
  std::string out = fixture().root + "/reuse";
  run(out_dir_reuse, out);
  CHECK_THROWS_WITH(run(out_dir_reuse, out), Catch::Contains("--resume"));
}

TEST_CASE("the loss table's rules are config errors naming the term", "[train][config]") {
  auto throws = [](json cfg, const std::string& set, const std::string& text) {
    apply_override(cfg, set);
    INFO(set);
    CHECK_THROWS_WITH(train::parse_train_config(cfg, "test"), Catch::Contains(text));
  };
  json student = load_tiny("student_baseline.json", "");
  throws(student, "loss.kd_logit=1", "loss.kd_logit is > 0 but there is no \"teacher\" section");
  throws(student, "loss.cls=-1", "loss.cls");
  json zero = student;
  apply_override(zero, "loss.embed_kd=0");  // a zero weight needs nothing
  CHECK_NOTHROW(train::parse_train_config(zero, "test"));
  json kd = load_tiny("kd_full.json", tiny_teacher());
  throws(kd, "loss.embed_kd=1", "loss.embed_kd: > 0 needs student.subdecision");
  throws(kd, "loss.kd_attention_maps=\"channel\"", "loss.kd_attention_maps");
  json no_labels = kd;
  apply_override(no_labels, "data.labels=false");
  throws(no_labels, "loss.cls=1", "data.labels is false, so loss.cls must be 0");
  CHECK(train::parse_train_config(kd, "test").loss.needs_teacher());
  CHECK_FALSE(train::parse_train_config(student, "test").loss.needs_teacher());
}

TEST_CASE("channel attention KD between different widths stops at start-up with the way out", "[train][config]") {
  json cfg = load_tiny("kd_attention.json", tiny_teacher());
  apply_override(cfg, "student.model={\"preset\": \"tiny\", \"depths\": [1, 1, 1, 1], \"widths\": [16, 32, 64, 128]}");
  apply_override(cfg, "eval.pairs=\"\"");
  CHECK_THROWS_WITH(run(cfg, fixture().root + "/widths"), Catch::Contains("loss.kd_attention_maps to \"spatial\""));
  apply_override(cfg, "loss.kd_attention_maps=\"spatial\"");
  train::RunSummary s = run(cfg, fixture().root + "/widths_spatial");
  CHECK(s.steps == 2);
  CHECK(std::isfinite(s.last_loss));
}

TEST_CASE("a run written before a config key existed resumes under that key's default", "[train][resume]") {
  json cfg = load_tiny("kd_attention.json", tiny_teacher());
  apply_override(cfg, "eval.pairs=\"\"");
  apply_override(cfg, "max_steps=4");
  std::string out = fixture().root + "/older_config";
  run(cfg, out, 2);
  json saved = json::parse(read_file(out + "/config.json"));
  saved["loss"].erase("kd_attention_maps");  // as written before the key was added
  write_file_atomic(out + "/config.json", saved.dump(2));
  train::RunSummary s = run(cfg, out, 0, true);
  CHECK(s.steps == 4);
}
