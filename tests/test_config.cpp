#include <catch2/catch.hpp>
#include <cstdio>
#include <unistd.h>

#include "engine/atomic_file.h"
#include "engine/check.h"
#include "engine/config.h"

using namespace kd;
using nlohmann::json;

namespace {

json sample() {
  return json::parse(R"({
    "train": {"lr": 0.1, "epochs": 3, "milestones": [10, 20], "nesterov": true, "name": "r18"},
    "model": {"arch": "resnet18", "width": 64},
    "data": {"sets": [{"path": "/a", "weight": 1.0}, {"path": "/b", "weight": 0.5}]}
  })");
}

std::string tmp_file(const std::string& name) {
  return "/tmp/kdface_test_cfg_" + std::to_string(::getpid()) + "_" + name;
}

}  // namespace

TEST_CASE("typed reads of a config", "[config]") {
  ConfigReader root(sample());
  ConfigReader train = root.child("train");
  CHECK(train.get<double>("lr") == 0.1);
  CHECK(train.get<int>("epochs") == 3);
  CHECK(train.get<double>("epochs") == 3.0);  // an integer is a valid double
  CHECK(train.get<std::vector<int64_t>>("milestones") == std::vector<int64_t>{10, 20});
  CHECK(train.get<bool>("nesterov"));
  CHECK(train.get<std::string>("name") == "r18");
  CHECK(train.get_or<int>("warmup", 5) == 5);
  CHECK(train.get_or<std::string>("schedule", "multistep") == "multistep");
  CHECK(train.path("lr") == "train.lr");
  CHECK(root.get<json>("model")["width"] == 64);  // whole subtree read at once
  auto sets = root.child("data").children("sets");
  REQUIRE(sets.size() == 2);
  CHECK(sets[1].get<std::string>("path") == "/b");
  CHECK(sets[1].path("weight") == "data.sets[1].weight");
  for (auto& s : sets) s.get<double>("weight");
  sets[0].get<std::string>("path");
  // An absent section reads as empty: defaults apply.
  ConfigReader eval = root.child("eval");
  CHECK(eval.get_or<int>("batch", 256) == 256);
  CHECK_NOTHROW(root.finish());
}

TEST_CASE("finish() names every unread key with its dotted path", "[config]") {
  json cfg = sample();
  cfg["train"]["lrr"] = 0.2;
  cfg["optimiser"] = "sgd";
  ConfigReader root(cfg, "", "runs/a.json");
  ConfigReader train = root.child("train");
  train.get<double>("lr");
  train.get_or<int>("epochs", 20);
  train.get<std::vector<int>>("milestones");
  train.get<bool>("nesterov");
  train.get<std::string>("name");
  root.get<json>("model");
  root.get<json>("data");
  root.get_or<std::string>("optimizer", "sgd");
  try {
    root.finish();
    FAIL("finish() accepted unknown keys");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("runs/a.json"));
    CHECK_THAT(msg, Catch::Contains("config key 'train.lrr' is not known"));
    CHECK_THAT(msg, Catch::Contains("did you mean 'train.lr'?"));
    CHECK_THAT(msg, Catch::Contains("known keys here: epochs, lr, milestones, name, nesterov"));
    CHECK_THAT(msg, Catch::Contains("config key 'optimiser' is not known (did you mean 'optimizer'?"));
  }
  // A child's own finish() checks only its subtree.
  ConfigReader r2(cfg);
  ConfigReader m = r2.child("model");
  m.get<std::string>("arch");
  CHECK_THROWS_WITH(m.finish(), Catch::Contains("config key 'model.width' is not known (known keys here: arch)"));
  // Unread elements of an array of objects.
  ConfigReader r3(cfg);
  auto sets = r3.child("data").children("sets");
  sets[0].get<std::string>("path");
  CHECK_THROWS_WITH(r3.child("data").finish(), Catch::Contains("'data.sets[0].weight' is not known (known keys here: path)") &&
                                                   Catch::Contains("'data.sets[1].path' is present but was never read"));
}

TEST_CASE("wrong types name the key, the expected type and the value", "[config]") {
  ConfigReader root(json::parse(R"({"train": {"lr": "0.1", "epochs": 3.5, "big": 5000000000, "flag": 1,
                                   "ms": [10, "20"], "model": [1], "opt": null}})"),
                    "", "cfg.json");
  ConfigReader t = root.child("train");
  CHECK_THROWS_WITH(t.get<double>("lr"), Catch::Contains("cfg.json: config key 'train.lr' must be a number (double), "
                                                         "found string \"0.1\""));
  CHECK_THROWS_WITH(t.get<int>("epochs"),
                    Catch::Contains("config key 'train.epochs' must be an integer (32-bit), found number 3.5"));
  CHECK_THROWS_WITH(t.get<int>("big"), Catch::Contains("'train.big'") && Catch::Contains("in range") &&
                                           Catch::Contains("5000000000"));
  CHECK(t.get<int64_t>("big") == 5000000000LL);
  CHECK_THROWS_WITH(t.get<bool>("flag"), Catch::Contains("'train.flag' must be a boolean, found number 1"));
  CHECK_THROWS_WITH(t.get<std::vector<int>>("ms"),
                    Catch::Contains("'train.ms[1]' must be an integer (32-bit), found string \"20\""));
  CHECK_THROWS_WITH(t.get<std::vector<int>>("lr"), Catch::Contains("must be an array of integer (32-bit) values"));
  CHECK_THROWS_WITH(t.child("model"), Catch::Contains("'train.model' must be an object, found array [1]"));
  CHECK_THROWS_WITH(t.get_or<std::string>("opt", "sgd"), Catch::Contains("'train.opt' must be a string, found null"));
  CHECK_THROWS_WITH(t.get<double>("momentum"),
                    Catch::Contains("config key 'train.momentum' is required but missing (keys present here: big,"));
  CHECK_THROWS_WITH(ConfigReader(json::array()), Catch::Contains("must be a JSON object"));
}

TEST_CASE("--set overrides", "[config]") {
  json cfg = sample();
  apply_override(cfg, "train.lr=0.01");
  CHECK(cfg["train"]["lr"] == 0.01);
  apply_override(cfg, "model.arch=resnet50");
  CHECK(cfg["model"]["arch"] == "resnet50");
  apply_override(cfg, "train.milestones=[5, 8]");
  CHECK(cfg["train"]["milestones"] == json({5, 8}));
  apply_override(cfg, "train.name=\"123\"");
  CHECK(cfg["train"]["name"] == "123");
  apply_override(cfg, "eval.tta.flip=true");
  CHECK(cfg["eval"]["tta"]["flip"] == true);
  apply_override(cfg, "data.sets.1.path=/c");
  CHECK(cfg["data"]["sets"][1]["path"] == "/c");
  apply_override(cfg, "model.note=a=b");  // only the first '=' splits
  CHECK(cfg["model"]["note"] == "a=b");

  CHECK_THROWS_WITH(apply_override(cfg, "train.lr"), Catch::Contains("'train.lr' is malformed: expected key=value"));
  CHECK_THROWS_WITH(apply_override(cfg, "=3"), Catch::Contains("key before '=' is empty"));
  CHECK_THROWS_WITH(apply_override(cfg, "train..lr=3"), Catch::Contains("empty or blank component"));
  CHECK_THROWS_WITH(apply_override(cfg, "train.lr="), Catch::Contains("no value after '='"));
  CHECK_THROWS_WITH(apply_override(cfg, "train.lr.x=1"), Catch::Contains("'train.lr' is number 0.01, not an object"));
  CHECK_THROWS_WITH(apply_override(cfg, "data.sets.5.path=/x"), Catch::Contains("indexes an array of 2 elements"));
  // Found by fuzz/fuzz_override: an index past 2^64 threw std::out_of_range, not kd::Error.
  CHECK_THROWS_WITH(apply_override(cfg, "data.sets.99999999999999999999999.path=/x"),
                    Catch::Contains("indexes an array of 2 elements"));
  CHECK_THROWS_WITH(apply_override(cfg, "train.milestones.99999999999999999999999=1"),
                    Catch::Contains("indexes an array of 2 elements"));
  // ... and a value that is not UTF-8 went in as a string that every later dump() threw on.
  CHECK_THROWS_WITH(apply_override(cfg, "model.arch=r\xd1x"), Catch::Contains("is not valid UTF-8"));
  CHECK_THROWS_WITH(apply_override(cfg, "model.\xff=1"), Catch::Contains("is not valid UTF-8"));
  CHECK_NOTHROW(cfg.dump());
  // Found by fuzz/fuzz_config: a number past double threw json::out_of_range, not kd::Error.
  CHECK_THROWS_WITH(apply_override(cfg, "train.lr=1e400"), Catch::Contains("override 'train.lr=1e400'"));

  // A misspelt override is caught by finish() like a misspelt file key.
  json c2 = sample();
  apply_override(c2, "train.lrr=0.5");
  ConfigReader r(c2);
  ConfigReader t = r.child("train");
  for (auto k : {"epochs", "name"}) t.get<json>(k);
  t.get<double>("lr");
  t.get<json>("milestones");
  t.get<bool>("nesterov");
  r.get<json>("model");
  r.get<json>("data");
  CHECK_THROWS_WITH(r.finish(), Catch::Contains("'train.lrr' is not known"));
}

TEST_CASE("load_config reports the file and the parse position", "[config]") {
  const std::string p = tmp_file("bad.json");
  write_file_atomic(p, "{\n  \"train\": {\n    \"lr\": 0.1,,\n  }\n}\n");
  CHECK_THROWS_WITH(load_config(p), Catch::Contains(p) && Catch::Contains("line 3, column 15"));
  write_file_atomic(p, "[1, 2]");
  CHECK_THROWS_WITH(load_config(p), Catch::Contains(p) && Catch::Contains("top level must be a JSON object"));
  write_file_atomic(p, R"({"train": {"lr": 0.1, "lr": 0.2}})");
  CHECK_THROWS_WITH(load_config(p), Catch::Contains(p) && Catch::Contains("key 'lr' appears twice"));
  write_file_atomic(p, R"({"train": {"lr": 0.1}, "model": {"lr": 0.2}})");
  CHECK(load_config(p)["model"]["lr"] == 0.2);  // the same name in different objects is fine
  CHECK_THROWS_WITH(load_config(tmp_file("missing.json")), Catch::Contains("cannot open"));
  std::remove(p.c_str());
  // Found by fuzz/fuzz_config: a number past double threw json::out_of_range, not kd::Error.
  CHECK_THROWS_WITH(parse_config(R"({"a": 1e400})", "big.json"), Catch::Contains("config 'big.json'"));
  // Review: copying 100k nested arrays (ConfigReader copies its json) overflowed the stack.
  CHECK_THROWS_WITH(parse_config("{\"a\": " + std::string(100000, '[') + std::string(100000, ']') + "}", "deep.json"),
                    Catch::Contains("config 'deep.json'") && Catch::Contains("nested more than 64 levels"));
  CHECK(parse_config("{\"a\": " + std::string(60, '[') + std::string(60, ']') + "}", "ok.json").is_object());
}

TEST_CASE("a swapped pair of letters still gets a suggestion, with the key's full path", "[config]") {
  json cfg = json::parse(R"({"data": {"bacth": 8, "threds": 2}})");
  ConfigReader root(cfg, "", "typo.json");
  ConfigReader data = root.child("data");
  data.get_or<int>("batch", 64);
  data.get_or<int>("threads", 2);
  try {
    root.finish();
    FAIL("finish() accepted unknown keys");
  } catch (const Error& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Catch::Contains("config key 'data.bacth' is not known (did you mean 'data.batch'?"));
    CHECK_THAT(msg, Catch::Contains("config key 'data.threds' is not known (did you mean 'data.threads'?"));
  }
}
