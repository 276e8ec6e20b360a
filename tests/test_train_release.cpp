// kdface-release: the shipped file holds the model tensors and nothing else, loads in
// kdface-eval's loader with the same weights, its manifest's SHA-256 is the file's, reports
// are attached only when they scored this very file, and the models shipped in pretrained/
// still match their manifests.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/atomic_file.h"
#include "engine/checkpoint.h"
#include "engine/rng.h"
#include "eval/report_hash.h"
#include "eval/report_json.h"
#include "eval/report_types.h"
#include "models/resnext_cbam.h"
#include "tools/kdface-eval/backbone_checkpoint.h"
#include "tools/kdface-release/release.h"
#include "tests/support/student_checkpoint.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace kd;

namespace {

const json kModel = {{"preset", "tiny"}, {"depths", {1, 1, 1, 1}}};

struct Run {
  std::string root, run;
  std::map<std::string, Tensor> backbone;

  Run() {
    root = (fs::current_path() / ("release_" + std::to_string(::getpid()))).string();
    fs::remove_all(root);
    run = root + "/run";
    models::ResNeXtCBAM net(models::ResNeXtConfig::from_json(kModel, "test"), 3);
    Checkpoint ck = kdtest::student_checkpoint(net, kModel);
    backbone = net.state_dict();
    Generator g(9);
    ck.model["head.w"] = Tensor::randn({7, 128}, g);
    ck.optim["momentum.head.w"] = Tensor::randn({7, 128}, g);
    ck.step = 20;
    ck.epoch = 2;
    ck.meta["config"]["seed"] = 5;
    ck.meta["classes"] = 7;
    fs::create_directories(run + "/checkpoints");
    save_checkpoint(checkpoint_path(run + "/checkpoints", 20), ck);  // older: not the one shipped
    ck.step = 40;
    save_checkpoint(checkpoint_path(run + "/checkpoints", 40), ck);
  }
  ~Run() { fs::remove_all(root); }

  release::ReleaseOptions options(const std::string& stem) const {
    release::ReleaseOptions o;
    o.model = run;
    o.out = root + "/ship/" + stem + ".safetensors";
    o.commit = "0123abc";
    o.commands = {"bash scripts/prepare_pool.sh", "build/tools/kdface-train --config c.json --out run"};
    return o;
  }
};

// A report as kdface-eval writes it (report_to_json), for one model with the given hash.
json report_for(const std::string& sha, const std::string& degrade) {
  eval::EvalReport r;
  r.command_line = "kdface-eval --model x";
  r.pairs = {{"file", "pairs.tsv"}, {"sha256", "ab"}, {"pairs", 60}};
  r.degrade = {{"protocol", degrade}};
  r.scoring = {"askd", "insightface"};
  r.scales = {1, 4};
  eval::ReportModel m;
  m.name = "student";
  m.sha256 = sha;
  r.models.push_back(m);
  for (const char* scoring : {"askd", "insightface"})
    for (int scale : {1, 4}) {
      eval::ReportEntry e;
      e.scoring = scoring;
      e.scale = scale;
      e.result.mean = 0.8 + 0.01 * scale;
      e.result.std = 0.02;
      e.result.score = scoring == std::string("askd") ? "cosine" : "squared_l2";
      e.result.folds = {{0, 30, 0.8, 0.25}, {1, 30, 0.9, 0.35}};
      r.entries.push_back(e);
    }
  return eval::report_to_json(r);
}

std::string write_report(const std::string& dir, const json& j) {
  fs::create_directories(dir);
  write_file_atomic(dir + "/report.json", j.dump());
  return dir + "/report.json";
}

}  // namespace

TEST_CASE("release keeps the model tensors, drops the optimiser, and kdface-eval loads it", "[release]") {
  Run r;
  const json m = release::release_model(r.options("teacher"));
  const std::string file = r.root + "/ship/teacher.safetensors";
  const Checkpoint shipped = load_checkpoint(file);
  CHECK(shipped.optim.empty());
  CHECK(shipped.rng.empty());
  CHECK(shipped.model.count("head.w") == 1);
  CHECK(shipped.step == 40);
  CHECK(m["step"] == 40);
  CHECK(m["sha256"] == eval::sha256_file(file));
  CHECK(m["bytes"] == static_cast<int64_t>(fs::file_size(file)));
  CHECK(m["commit"] == "0123abc");
  CHECK(m["commands"].size() == 2);
  CHECK(m["config"]["seed"] == 5);
  CHECK(m["source"]["checkpoint"] == checkpoint_path(r.run + "/checkpoints", 40));
  CHECK(m["file"] == "teacher.safetensors");
  CHECK(json::parse(read_file(r.root + "/ship/teacher.json")) == m);

  const evaltool::LoadedBackbone lb = evaltool::load_backbone(file);
  CHECK(m["parameters"] == lb.net->num_parameters());
  for (auto& [k, v] : lb.net->state_dict()) {
    INFO(k);
    const Tensor& want = r.backbone.at(k);
    REQUIRE(v.numel() == want.numel());
    CHECK(std::memcmp(v.raw_data(), want.raw_data(), v.nbytes()) == 0);
  }
  release::verify_manifest(r.root + "/ship/teacher.json");
}

TEST_CASE("release --backbone-only ships the backbone alone", "[release]") {
  Run r;
  auto o = r.options("student");
  o.backbone_only = true;
  const json m = release::release_model(o);
  const Checkpoint shipped = load_checkpoint(o.out);
  CHECK(shipped.model.count("head.w") == 0);
  CHECK(shipped.model.size() == r.backbone.size());
  CHECK(m["tensors"] == "backbone");
}

TEST_CASE("release refuses what it cannot ship, naming the problem", "[release]") {
  Run r;
  auto o = r.options("x");
  o.commit = "";
  CHECK_THROWS_WITH(release::release_model(o), Catch::Contains("--commit"));
  o = r.options("x");
  o.commands.clear();
  CHECK_THROWS_WITH(release::release_model(o), Catch::Contains("--command"));
  o = r.options("x");
  o.out = r.root + "/x.bin";
  CHECK_THROWS_WITH(release::release_model(o), Catch::Contains(".safetensors"));
  o = r.options("x");
  o.model = r.root + "/nothing";
  CHECK_THROWS_WITH(release::release_model(o), Catch::Contains("nothing"));

  Checkpoint bare;
  bare.model["backbone.w"] = Tensor::zeros({2});
  save_checkpoint(r.root + "/bare.safetensors", bare);
  o = r.options("x");
  o.model = r.root + "/bare.safetensors";
  CHECK_THROWS_WITH(release::release_model(o), Catch::Contains("bare.safetensors") && Catch::Contains("config"));
}

TEST_CASE("attach takes results only from a report that scored this file", "[release]") {
  Run r;
  const json m = release::release_model(r.options("student"));
  const std::string manifest = r.root + "/ship/student.json";
  const std::string sha = m["sha256"];

  const json after = release::attach_report(manifest, write_report(r.root + "/paper", report_for(sha, "paper")));
  const json& res = after["results"]["paper"];
  CHECK(res["askd"]["4"]["mean"].get<double>() == Approx(0.84));
  CHECK(res["askd"]["1"]["threshold"].get<double>() == Approx(0.30));
  CHECK(res["insightface"]["1"]["score"] == "squared_l2");
  CHECK(res["pairs"]["scored"] == 60);
  CHECK(json::parse(read_file(manifest))["results"]["paper"] == res);

  release::attach_report(manifest, write_report(r.root + "/askd", report_for(sha, "askd")));
  CHECK(json::parse(read_file(manifest))["results"].size() == 2);

  const std::string other = write_report(r.root + "/other", report_for(std::string(64, 'f'), "paper"));
  CHECK_THROWS_WITH(release::attach_report(manifest, other),
                    Catch::Contains(sha) && Catch::Contains("not of this file"));

  // Releasing the same checkpoint again gives the same bytes, so the results stay.
  release::release_model(r.options("student"));
  CHECK(json::parse(read_file(manifest))["results"].size() == 2);
}

TEST_CASE("verify_manifest notices a changed file", "[release]") {
  Run r;
  release::release_model(r.options("t"));
  const std::string file = r.root + "/ship/t.safetensors";
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x7f');
  }
  CHECK_THROWS_WITH(release::verify_manifest(r.root + "/ship/t.json"),
                    Catch::Contains("t.safetensors") && Catch::Contains("SHA-256"));
  fs::remove(file);
  CHECK_THROWS_WITH(release::verify_manifest(r.root + "/ship/t.json"), Catch::Contains("does not exist"));
}
