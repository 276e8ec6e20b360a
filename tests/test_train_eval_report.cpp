// kdface-eval end to end on a tiny model and synthetic faces: the report's numbers are the
// ones score_askd / score_insightface give on embeddings computed here independently
// (flip, then degrade with the documented seed rule), and the three files have the promised
// shape (report.md table, self-contained report.html with inline SVG charts).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/degrade.h"
#include "data/face_tensor.h"
#include "data/jpeg_codec.h"
#include "data/shard.h"
#include "engine/atomic_file.h"
#include "engine/cuda.h"
#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/checkpoint.h"
#include "engine/rng.h"
#include "eval/report_hash.h"
#include "eval/report_types.h"
#include "eval/verification.h"
#include "models/resnext_cbam.h"

#include "tools/kdface-eval/backbone_checkpoint.h"
#include "tools/kdface-eval/eval_options.h"
#include "eval/views/pair_faces.h"
#include "tools/kdface-eval/run_evaluation.h"
#include "eval/views/face_views.h"
#include "tests/support/synthetic_face.h"
#include "tests/support/student_checkpoint.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace kd;

namespace {

constexpr int kIds = 10, kPer = 2, kFolds = 10;

using kdtest::synthetic_face;

std::string face_name(int id, int k) { return "faces/id" + std::to_string(id) + "_" + std::to_string(k) + ".jpg"; }

struct Fixture {
  std::string root, ckpt, pairs;
  json model_cfg = {{"preset", "tiny"}, {"depths", {1, 1, 1, 1}}};
  std::vector<std::pair<std::string, std::string>> pair_paths;
  std::vector<bool> same;
  std::vector<int> fold;

  Fixture() {
    root = (fs::current_path() / ("eval_report_" + std::to_string(::getpid()))).string();
    fs::remove_all(root);
    fs::create_directories(root + "/faces");
    Generator g(11);
    for (int i = 0; i < kIds; ++i)
      for (int k = 0; k < kPer; ++k) {
        auto jpeg = data::encode_jpeg(synthetic_face(i, k, g), 90);
        std::ofstream(root + "/" + face_name(i, k), std::ios::binary)
            .write(reinterpret_cast<const char*>(jpeg.data()), std::streamsize(jpeg.size()));
      }
    // 10 folds x (2 same + 2 different), listed fold by fold as val_pairs.tsv is.
    std::string tsv = "fold\timage_a\timage_b\tsame\n";
    for (int f = 0; f < kFolds; ++f) {
      const int i = f, j = (f + 1) % kIds, k = (f + 3) % kIds;
      const std::pair<std::string, std::string> ps[4] = {{face_name(i, 0), face_name(i, 1)},
                                                         {face_name(j, 1), face_name(j, 0)},
                                                         {face_name(i, 0), face_name(j, 0)},
                                                         {face_name(k, 1), face_name(i, 1)}};
      for (int p = 0; p < 4; ++p) {
        pair_paths.push_back(ps[p]);
        same.push_back(p < 2);
        fold.push_back(f);
        tsv += kd::str(f, "\t", ps[p].first, "\t", ps[p].second, "\t", p < 2 ? 1 : 0, "\n");
      }
    }
    pairs = root + "/pairs.tsv";
    write_file_atomic(pairs, tsv);
    // A checkpoint as kdface-train writes it: "backbone."-prefixed weights, the run config.
    models::ResNeXtCBAM net(models::ResNeXtConfig::from_json(model_cfg, "test"), 5);
    Checkpoint ck = kdtest::student_checkpoint(net, model_cfg);
    ck.step = 42;
    fs::create_directories(root + "/run/checkpoints");
    ckpt = checkpoint_path(root + "/run/checkpoints", 42);
    save_checkpoint(ckpt, ck);
  }
  ~Fixture() { fs::remove_all(root); }

  evaltool::EvalOptions options(const std::string& out) const {
    evaltool::EvalOptions o;
    o.models = {root + "/run"};  // a run folder: resolves to its newest checkpoint
    o.names = {"tiny student"};
    o.pairs = pairs;
    o.root = root;
    o.scales = {1, 4};
    o.scoring = {"askd", "insightface"};
    o.batch = 8;
    o.out = root + "/" + out;
    o.command_line = "test_train_eval_report";
    o.quiet = true;
    return o;
  }

  eval::PairSet pair_set() const {
    eval::PairSet ps;
    ps.fold = fold;
    ps.same = same;
    return ps;
  }
};

data::Image load_face(const std::string& path) {
  std::string bytes = read_file(path);
  return data::decode_jpeg(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
}

// The four view embeddings of every pair, computed here: each distinct image (numbered by
// first appearance) is mirrored by hand, degraded with seed mix64(mix64(seed, scale), index),
// embedded, and the rows are arranged per pair side. Images go through the network in the
// tool's batches (o.batch consecutive images) so the floats are bit-identical and fold
// thresholds can be compared exactly (a grid point can otherwise fall between two roundings).
struct Views {
  eval::Embeddings a, a_flip, b, b_flip;
};
Views direct_views(const Fixture& fx, const evaltool::EvalOptions& o, int scale, bool cross) {
  evaltool::LoadedBackbone lb = evaltool::load_backbone(fx.ckpt);
  std::map<std::string, int64_t> first;
  std::vector<std::string> order;
  for (auto& p : fx.pair_paths)
    for (const std::string* s : {&p.first, &p.second})
      if (first.emplace(*s, int64_t(first.size())).second) order.push_back(*s);
  data::DegradeSpec spec;
  spec.protocol = o.degrade;
  const int64_t n = int64_t(order.size()), S = data::kFaceSize;
  // (n, emb) embeddings of every image's view at scale s.
  auto embed_all = [&](bool flip, int s) {
    std::vector<float> out;
    for (int64_t start = 0; start < n; start += o.batch) {
      const int64_t b = std::min<int64_t>(o.batch, n - start);
      Tensor x = Tensor::empty({b, 3, S, S});
      for (int64_t i = 0; i < b; ++i) {
        data::Image img = load_face(fx.root + "/" + order[size_t(start + i)]);
        if (flip) {
          data::Image m(img.w, img.h, 3);
          for (int y = 0; y < img.h; ++y)
            for (int xx = 0; xx < img.w; ++xx)
              for (int c = 0; c < 3; ++c) m.at(xx, y, c) = img.at(img.w - 1 - xx, y, c);
          img = m;
        }
        if (s > 1) {
          data::Image d;
          data::degrade(img, spec, s, mix64(mix64(o.seed, uint64_t(s)), uint64_t(start + i)), d);
          img = d;
        }
        data::image_to_chw(img, 127.5f, 127.5f, false, x.data<float>() + i * 3 * S * S);
      }
      autograd::NoGradGuard ng;
      Tensor e = lb.net->forward(x).embedding;
      out.insert(out.end(), e.data<float>(), e.data<float>() + e.numel());
    }
    return out;
  };
  auto arrange = [&](const std::vector<float>& all, bool a_side) {
    eval::Embeddings e;
    e.n = int64_t(fx.pair_paths.size());
    e.dim = int64_t(all.size()) / n;
    for (auto& p : fx.pair_paths) {
      const int64_t i = first.at(a_side ? p.first : p.second);
      e.v.insert(e.v.end(), all.begin() + i * e.dim, all.begin() + (i + 1) * e.dim);
    }
    return e;
  };
  const int sa = cross ? 1 : scale;
  Views v;
  v.a = arrange(embed_all(false, sa), true);
  v.a_flip = arrange(embed_all(true, sa), true);
  v.b = arrange(embed_all(false, scale), false);
  v.b_flip = arrange(embed_all(true, scale), false);
  return v;
}

const json& result(const json& report, const std::string& scoring, int scale) {
  for (const json& r : report["results"])
    if (r["scoring"] == scoring && r["scale"] == scale) return r;
  FAIL("report.json has no result for " << scoring << " x" << scale);
  throw std::logic_error("unreachable");
}

// Per-fold accuracies and thresholds, mean and std of the report against a direct result.
void check_same_numbers(const json& j, const eval::VerificationResult& d) {
  REQUIRE(j["folds"].size() == d.folds.size());
  for (size_t k = 0; k < d.folds.size(); ++k) {
    CHECK(j["folds"][k]["accuracy"].get<double>() == Approx(d.folds[k].accuracy).margin(1e-12));
    CHECK(j["folds"][k]["threshold"].get<double>() == Approx(d.folds[k].threshold).margin(1e-12));
  }
  CHECK(j["mean"].get<double>() == Approx(d.mean).margin(1e-12));
  CHECK(j["std"].get<double>() == Approx(d.std).margin(1e-12));
  for (size_t t = 0; t < d.tar_at_far.size(); ++t)
    CHECK(j["tar_at_far"][t]["tar"].get<double>() == Approx(d.tar_at_far[t].tar).margin(1e-12));
  // The ROC's thresholds are the pair scores themselves.
  REQUIRE(j["roc"]["threshold"].size() == d.roc_threshold.size());
  for (size_t i = 1; i < d.roc_threshold.size(); ++i)
    CHECK(j["roc"]["threshold"][i].get<double>() == Approx(d.roc_threshold[i]).margin(1e-12));
}

std::string slurp(const std::string& p) { return read_file(p); }

}  // namespace

TEST_CASE("kdface-eval report: numbers, structure, markdown and html", "[eval_report]") {
  Fixture fx;
  evaltool::EvalOptions o = fx.options("out");
  eval::EvalReport rep = evaltool::run_and_write(o);
  REQUIRE(rep.entries.size() == 4);

  json j = json::parse(slurp(o.out + "/report.json"));
  CHECK(j["tool"] == "kdface-eval");
  CHECK(j["protocol"]["scales"] == json({1, 4}));
  CHECK(j["protocol"]["scoring"] == json({"askd", "insightface"}));
  CHECK(j["protocol"]["mode"] == "both_degraded");
  CHECK(j["protocol"]["degrade"]["protocol"] == "paper");
  CHECK(j["pairs"]["pairs"] == 40);
  CHECK(j["pairs"]["same"] == 20);
  CHECK(j["pairs"]["folds"] == 10);
  CHECK(j["pairs"]["images"] == 20);
  CHECK(j["pairs"]["sha256"] == eval::sha256_file(fx.pairs));
  REQUIRE(j["models"].size() == 1);
  CHECK(j["models"][0]["name"] == "tiny student");
  CHECK(fs::equivalent(j["models"][0]["checkpoint"].get<std::string>(), fx.ckpt));
  CHECK(j["models"][0]["step"] == 42);
  CHECK(j["models"][0]["sha256"] == eval::sha256_file(fx.ckpt));
  CHECK(j["models"][0]["backbone"]["depths"] == json({1, 1, 1, 1}));
  CHECK(j["models"][0]["run_config"]["student"]["model"] == fx.model_cfg);
  CHECK(j["command_line"] == "test_train_eval_report");
  CHECK(j["date"].get<std::string>().size() == 20);
  REQUIRE(j["results"].size() == 4);
  for (const json& r : j["results"]) {
    REQUIRE(r["folds"].size() == 10);
    for (const json& f : r["folds"]) {
      CHECK(f["accuracy"].get<double>() >= 0.0);
      CHECK(f["accuracy"].get<double>() <= 1.0);
      CHECK(f["pairs"] == 4);
    }
    CHECK(r["mean"].get<double>() >= 0.0);
    CHECK(r["mean"].get<double>() <= 1.0);
    REQUIRE(r["tar_at_far"].size() == 2);
    CHECK(r["tar_at_far"][0]["far_target"] == 0.01);
    CHECK(r["tar_at_far"][1]["far_target"] == 0.001);
    CHECK(r["roc"]["far"].size() == r["roc"]["tar"].size());
    CHECK(r["roc"]["far"].size() >= 2);
    CHECK(r["model"] == "tiny student");
  }
  CHECK(result(j, "askd", 1)["score"] == "cosine");
  CHECK(result(j, "insightface", 1)["score"] == "squared_l2");
  // Degradation was applied: the x4 scores (the ROC's thresholds) differ from the x1 ones.
  CHECK(result(j, "askd", 1)["roc"]["threshold"] != result(j, "askd", 4)["roc"]["threshold"]);

  const eval::PairSet ps = fx.pair_set();
  eval::VerificationOptions vo;
  {  // x1 and x4 equal score_askd / score_insightface on independently computed embeddings
    for (int scale : {1, 4}) {
      Views v = direct_views(fx, o, scale, false);
      INFO("scale " << scale);
      check_same_numbers(result(j, "askd", scale), eval::score_askd(ps, v.a, v.a_flip, v.b, v.b_flip, vo));
      check_same_numbers(result(j, "insightface", scale),
                         eval::score_insightface(ps, v.a, v.a_flip, v.b, v.b_flip, vo));
    }
  }
  {  // report.md: one row per model, one column per scale, cells "acc ± std"
    std::istringstream md(slurp(o.out + "/report.md"));
    std::string line;
    std::vector<std::string> lines;
    while (std::getline(md, line)) lines.push_back(line);
    int tables = 0;
    for (size_t i = 0; i + 2 < lines.size(); ++i) {
      if (lines[i] != "| Model | \xC3\x97" "1 | \xC3\x97" "4 |") continue;
      CHECK(lines[i + 1] == "|:--|--:|--:|");
      if (i >= 2 && lines[i - 2] == "Mean \xC2\xB1 population std over the folds.") {
        const std::string sp = tables == 0 ? "askd" : "insightface";
        const json& r1 = result(j, sp, 1);
        const json& r4 = result(j, sp, 4);
        char want[128];
        std::snprintf(want, sizeof want, "| tiny student | %.2f \xC2\xB1 %.2f | %.2f \xC2\xB1 %.2f |",
                      100 * r1["mean"].get<double>(), 100 * r1["std"].get<double>(), 100 * r4["mean"].get<double>(),
                      100 * r4["std"].get<double>());
        CHECK(lines[i + 2] == want);
        CHECK((i + 3 >= lines.size() || lines[i + 3].empty()));  // exactly one model row
        ++tables;
      }
    }
    CHECK(tables == 2);
  }
  {  // report.html: self-contained, inline SVG charts
    std::string html = slurp(o.out + "/report.html");
    size_t svgs = 0;
    for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
    CHECK(svgs == 2 * (1 + 2));  // per protocol: accuracy vs scale, ROC at x1 and x4
    CHECK(html.find("http") == std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find("tiny student") != std::string::npos);
    CHECK(html.find("<polyline") != std::string::npos);
    CHECK(html.find("</html>") != std::string::npos);
  }
}

TEST_CASE("kdface-eval: cross-resolution and AdaBN modes", "[eval_report]") {
  Fixture fx;
  evaltool::EvalOptions o = fx.options("cross");
  o.scales = {4};
  o.scoring = {"askd"};
  o.cross = true;
  eval::EvalReport rep = evaltool::run_evaluation(o);
  REQUIRE(rep.entries.size() == 1);
  Views v = direct_views(fx, o, 4, true);
  eval::VerificationResult d = eval::score_askd(fx.pair_set(), v.a, v.a_flip, v.b, v.b_flip);
  check_same_numbers(eval::to_json(rep.entries[0].result), d);

  // AdaBN changes the statistics the x4 views are normalised with, so the scores move.
  evaltool::EvalOptions plain = fx.options("plain"), ada = fx.options("ada");
  plain.scales = ada.scales = {4};
  plain.scoring = ada.scoring = {"askd"};
  ada.adabn = true;
  eval::EvalReport rp = evaltool::run_evaluation(plain), ra = evaltool::run_evaluation(ada);
  CHECK(rp.entries[0].result.roc_threshold != ra.entries[0].result.roc_threshold);
  CHECK(ra.adabn);
}

TEST_CASE("kdface-eval: errors name the option or the file", "[eval_report]") {
  Fixture fx;
  evaltool::EvalOptions o = fx.options("err");
  auto throws_with = [](const evaltool::EvalOptions& bad, const std::string& text) {
    try {
      evaltool::run_evaluation(bad);
      FAIL("no error; expected one mentioning '" << text << "'");
    } catch (const kd::Error& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(text) != std::string::npos);
    }
  };
  evaltool::EvalOptions c = o;
  if (!kd::cuda::available()) {
    c.device = "cuda";
    throws_with(c, "--device cuda");  // names why (no device, or built without CUDA)
  }
  c = o;
  c.device = "gpu";
  throws_with(c, "--device: expected cpu or cuda");
  c = o;
  c.format = "csv";
  throws_with(c, "--format");
  c = o;
  c.scales = {3};
  throws_with(c, "--scales");
  c = o;
  c.degrade = "bicubic";
  throws_with(c, "--degrade: expected paper, askd or a JSON");
  c.degrade = "{\"protocol\": \"paper\", \"noise\": 3}";
  throws_with(c, "--degrade");  // strict: the unknown key is named
  c.degrade = "{\"protocol\": ";
  throws_with(c, "--degrade: not valid JSON");
  c = o;
  c.names = {"a", "b"};
  throws_with(c, "--name");
  c = o;
  c.models = {fx.root + "/nothing_here"};
  throws_with(c, "nothing_here");
  c = o;
  c.root = fx.root + "/missing_root";
  throws_with(c, "missing_root/faces/id0_0.jpg");
  // A checkpoint without the run config cannot say which backbone it holds.
  Checkpoint bare = load_checkpoint(fx.ckpt);
  bare.meta = json::object();
  const std::string bare_path = fx.root + "/bare.safetensors";
  save_checkpoint(bare_path, bare);
  c = o;
  c.models = {bare_path};
  throws_with(c, "meta has no \"config\"");
}

TEST_CASE("kdface-eval: SHA-256 matches the standard's test vectors", "[eval_report]") {
  CHECK(eval::sha256_hex("abc", 3) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(eval::sha256_hex("", 0) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(eval::sha256_hex(two.data(), two.size()) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  std::string million(1000000, 'a');
  CHECK(eval::sha256_hex(million.data(), million.size()) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
