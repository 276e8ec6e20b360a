// ResNeXt-CBAM family, margin heads and adaptive batch norm (issue 5). The numerical
// agreement with PyTorch is the fixture case resnext_cbam_e2e (test_fixtures); these tests
// cover the structure, state dicts, configs and the BN modes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <unistd.h>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/config.h"
#include "engine/safetensors.h"
#include "kernels/conv2d/conv2d.h"
#include "models/adaptive_bn.h"
#include "models/batch_norm.h"
#include "models/margin_head.h"
#include "models/resnext_cbam.h"
#include "tests/support/compare.h"

using namespace kd;
using namespace kd::models;
using nlohmann::json;

namespace {

std::string tmp_file(const std::string& name) {
  return "/tmp/kdface_test_models_" + std::to_string(::getpid()) + "_" + name;
}

// A small flatten-head model (the fixture's shape): quick, and exercises every kind of name.
ResNeXtConfig small_cfg() {
  return ResNeXtConfig::from_json(
      json::parse(R"({"depths": [1, 1, 1, 1], "widths": [16, 32, 32, 64], "groups": 4, "stem": 8, "emb": 32, "size": 32})"),
      "model");
}

Tensor images(int64_t n, int64_t side, uint64_t seed) {
  Generator g(seed);
  return Tensor::randn({n, 3, side, side}, g);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const kd::Error& e) {
    return e.what();
  }
  return "";
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  auto x = kdtest::as_doubles(a), y = kdtest::as_doubles(b);
  REQUIRE(x.size() == y.size());
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

}  // namespace

TEST_CASE("parameter counts match the reference models", "[models]") {
  // REFERENCE_MODELS.md: r100x 40.38 M, r18x 29.39 M, tiny 0.213 M (torch_reference count()).
  const std::vector<std::pair<std::string, double>> ref = {{"r100x", 40.38}, {"r18x", 29.39}, {"tiny", 0.213}};
  for (auto& [name, millions] : ref) {
    const int64_t n = parameter_count(ResNeXtConfig::preset(name));
    INFO(name << ": " << n);
    const double half_unit = name == "tiny" ? 0.0005 : 0.005;  // the table's rounding
    CHECK(std::abs(double(n) / 1e6 - millions) <= half_unit);
  }
  // The formula is checked against built models; r100x is built too (160 MB, well under a second).
  for (const char* name : {"tiny", "r18x", "r100x"}) {
    ResNeXtCBAM net(ResNeXtConfig::preset(name), 7);
    INFO(name);
    CHECK(net.num_parameters() == parameter_count(net.config()));
  }
  CHECK(parameter_count(small_cfg()) == ResNeXtCBAM(small_cfg(), 1).num_parameters());
}

TEST_CASE("state_dict names and shapes follow PyTorch", "[models]") {
  ResNeXtCBAM net(small_cfg(), 3);
  auto sd = net.state_dict();
  const std::vector<std::pair<std::string, Shape>> expect = {
      {"stem.0.weight", {8, 3, 3, 3}},
      {"stem.1.weight", {8}},
      {"stem.1.bias", {8}},
      {"stem.1.running_mean", {8}},
      {"stem.1.running_var", {8}},
      {"stem.1.num_batches_tracked", {}},
      {"stem.2.weight", {8}},
      {"blocks.0.c1.weight", {8, 8, 1, 1}},
      {"blocks.0.b1.weight", {8}},
      {"blocks.0.c2.weight", {8, 2, 3, 3}},  // grouped: width / groups input channels
      {"blocks.0.b2.running_var", {8}},
      {"blocks.0.c3.weight", {16, 8, 1, 1}},
      {"blocks.0.b3.bias", {16}},
      {"blocks.0.cbam.fc1.weight", {8, 16, 1, 1}},  // hidden = max(16 / 16, 8)
      {"blocks.0.cbam.fc2.weight", {16, 8, 1, 1}},
      {"blocks.0.cbam.spatial.weight", {1, 2, 7, 7}},
      {"blocks.0.down.0.weight", {16, 8, 1, 1}},
      {"blocks.0.down.1.running_mean", {16}},
      {"blocks.2.c1.weight", {16, 32, 1, 1}},
      {"blocks.2.down.0.weight", {32, 32, 1, 1}},  // stride 2 at a stage start, same width
      {"blocks.3.cbam.fc1.weight", {8, 64, 1, 1}},
      {"bn.weight", {64}},
      {"bn.num_batches_tracked", {}},
      {"fc.weight", {32, 64 * 2 * 2}},  // flatten head, 32 / 16 = 2
      {"fc.bias", {32}},
      {"fbn.weight", {32}},
      {"fbn.running_var", {32}},
  };
  for (auto& [name, shape] : expect) {
    INFO(name);
    REQUIRE(sd.count(name));
    CHECK(sd.at(name).shape() == shape);
  }
  CHECK(sd.at("stem.1.num_batches_tracked").dtype() == DType::I64);
  // stem 4, 4 blocks (3 convs, 3 BN, CBAM 3 convs, down conv + BN), bn 2, fc 2, fbn 2.
  int64_t bn = 0;
  for (auto& [name, t] : sd) bn += name.size() > 13 && name.substr(name.size() - 13) == ".running_mean";
  CHECK(bn == 1 + 4 * 4 + 2);
  CHECK(net.named_parameters().size() == size_t(4 + 4 * (3 + 6 + 3 + 3) + 2 + 2 + 2));
  CHECK(net.named_parameters().front().first == "stem.0.weight");  // PyTorch's order
  CHECK(net.named_parameters().back().first == "fbn.bias");

  // The tiny model: avg head, identity shortcuts in the second block of a stage.
  ResNeXtCBAM tiny(ResNeXtConfig::preset("tiny"), 3);
  auto st = tiny.state_dict();
  CHECK(st.at("fc.weight").shape() == Shape{128, 256});
  CHECK(st.count("blocks.1.down.0.weight") == 1);
  CHECK(st.count("blocks.2.down.0.weight") == 0);
  CHECK(st.at("blocks.2.c2.weight").shape() == Shape{32, 4, 3, 3});
}

TEST_CASE("initialisation is PyTorch's default and a function of the seed", "[models]") {
  ResNeXtCBAM a(small_cfg(), 11), b(small_cfg(), 11), c(small_cfg(), 12);
  auto sa = a.state_dict(), sb = b.state_dict(), sc = c.state_dict();
  CHECK(max_abs_diff(sa.at("blocks.1.c2.weight"), sb.at("blocks.1.c2.weight")) == 0.0);
  CHECK(max_abs_diff(sa.at("blocks.1.c2.weight"), sc.at("blocks.1.c2.weight")) > 0.0);
  // kaiming_uniform(a = sqrt 5): U(+-1 / sqrt(fan_in)); fan_in of c2 = (16 / 4) * 9 = 36.
  auto w = kdtest::as_doubles(sa.at("blocks.1.c2.weight"));
  double lo = 1, hi = -1;
  for (double v : w) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(hi <= 1.0 / 6.0);
  CHECK(lo >= -1.0 / 6.0);
  CHECK(hi > 0.8 / 6.0);  // spread over the whole range, not a smaller one
  CHECK(kdtest::as_doubles(sa.at("stem.2.weight"))[0] == Approx(0.25));
  CHECK(kdtest::as_doubles(sa.at("fbn.weight"))[5] == 1.0);
  CHECK(kdtest::as_doubles(sa.at("fbn.running_var"))[5] == 1.0);
  CHECK(sa.at("fbn.num_batches_tracked").item() == 0.0);
}

TEST_CASE("forward shapes, attention maps and features", "[models]") {
  ResNeXtCBAM net(small_cfg(), 5);
  BackboneOutput o = net.forward(images(3, 32, 1));
  CHECK(o.embedding.shape() == Shape{3, 32});
  REQUIRE(o.attention.size() == 4);
  const std::vector<int64_t> c = {16, 32, 32, 64}, side = {16, 8, 4, 2};
  for (size_t i = 0; i < 4; ++i) {
    CHECK(o.attention[i].ca.shape() == Shape{3, c[i], 1, 1});
    CHECK(o.attention[i].sa.shape() == Shape{3, 1, side[i], side[i]});
  }
  CHECK(o.features.shape() == Shape{3, 64, 2, 2});
  CHECK(net.stage_ends() == std::vector<size_t>{0, 1, 2, 3});

  ResNeXtCBAM tiny(ResNeXtConfig::preset("tiny"), 5);
  CHECK(tiny.stage_ends() == std::vector<size_t>{0, 2, 4, 5});
  // The avg head takes other sides (torch_reference times tiny at 32x32 too).
  BackboneOutput t = tiny.forward(images(2, 32, 2));
  CHECK(t.embedding.shape() == Shape{2, 128});
  CHECK(t.attention[3].sa.shape() == Shape{2, 1, 2, 2});

  // Down to 1x1 at the last stage: the 7x7 attention conv sees maps smaller than its padding.
  BackboneOutput t16 = tiny.forward(images(2, 16, 3));
  CHECK(t16.attention[3].sa.shape() == Shape{2, 1, 1, 1});
  for (double v : kdtest::as_doubles(t16.embedding)) CHECK(std::isfinite(v));

  CHECK_THAT(error_of([&] { net.forward(images(2, 48, 1)); }), Catch::Contains("32x32"));
  CHECK_THAT(error_of([&] { net.forward(Tensor::zeros({2, 1, 32, 32})); }), Catch::Contains("(N, 3, H, W)"));
}

TEST_CASE("every parameter receives a gradient through ArcFace", "[models]") {
  ResNeXtCBAM net(small_cfg(), 9);
  MarginHead head(32, 10, "arcface", 64.0, 0.5, 9);
  Tensor labels = Tensor::from<int64_t>({1, 4, 7, 1}, {4});
  Tensor loss = head.loss(net.forward(images(4, 32, 3)).embedding, labels);
  CHECK(std::isfinite(loss.item()));
  CHECK(loss.item() > 0);
  loss.backward();
  for (auto& [name, p] : net.named_parameters()) {
    INFO(name);
    REQUIRE(p.grad().defined());
    double s = 0;
    for (double v : kdtest::as_doubles(p.grad())) s += std::abs(v);
    CHECK(std::isfinite(s));
    CHECK(s > 0);
  }
  REQUIRE(head.named_parameters().at(0).second.grad().defined());
}

TEST_CASE("train and eval modes differ as batch norm says", "[models]") {
  ResNeXtCBAM net(small_cfg(), 21);
  Tensor x = images(4, 32, 4);
  net.train();
  Tensor e_train = net.forward(x).embedding;
  // Training updated the running statistics and counted the batch.
  auto sd = net.state_dict();
  CHECK(sd.at("stem.1.num_batches_tracked").item() == 1.0);
  CHECK(sd.at("fbn.num_batches_tracked").item() == 1.0);
  CHECK(kdtest::as_doubles(sd.at("blocks.0.b2.running_var"))[0] != 1.0);

  net.eval();
  Tensor e_eval = net.forward(x).embedding;
  CHECK(max_abs_diff(e_train, e_eval) > 1e-3);
  CHECK(net.state_dict().at("stem.1.num_batches_tracked").item() == 1.0);  // eval counts nothing
  // Eval mode: a sample's embedding does not depend on the rest of the batch.
  Tensor e_first = net.forward(x.narrow0(0, 2).clone()).embedding;
  CHECK(max_abs_diff(e_first, e_eval.narrow0(0, 2).clone()) < 1e-5);
  // Training mode on the fbn (N, emb) layer needs more than one sample.
  net.train();
  CHECK_THAT(error_of([&] { net.forward(x.narrow0(0, 1).clone()); }), Catch::Contains("more than 1 value"));
}

TEST_CASE("state_dict round trip through safetensors reproduces the embedding", "[models]") {
  ResNeXtCBAM a(small_cfg(), 31);
  a.train();
  for (uint64_t i = 0; i < 2; ++i) a.forward(images(4, 32, 10 + i));  // non-trivial running stats
  a.eval();
  Tensor x = images(3, 32, 12);
  Tensor ea = a.forward(x).embedding;

  const std::string path = tmp_file("rt.safetensors");
  save_safetensors(path, a.state_dict());
  SafeTensors st = load_safetensors(path);
  std::remove(path.c_str());
  CHECK(st.tensors.at("blocks.2.b3.num_batches_tracked").dtype() == DType::I64);
  CHECK(st.tensors.at("blocks.2.b3.num_batches_tracked").item() == 2.0);

  ResNeXtCBAM b(small_cfg(), 32);  // other weights until loaded
  b.eval();
  CHECK(max_abs_diff(b.forward(x).embedding, ea) > 1e-3);
  b.load_state_dict(st.tensors);
  CHECK(max_abs_diff(b.forward(x).embedding, ea) == 0.0);
  CHECK(b.state_dict().at("fbn.num_batches_tracked").item() == 2.0);
}

TEST_CASE("input_pool runs the network on the p x p tile means of its input", "[models][config]") {
  json j = small_cfg().to_json();
  j["input_pool"] = 2;
  ResNeXtConfig pooled_cfg = ResNeXtConfig::from_json(j, "model");
  CHECK(ResNeXtConfig::from_json(pooled_cfg.to_json(), "model") == pooled_cfg);
  j["input_pool"] = 1;
  j["size"] = 16;
  // Same parameter shapes, same seed: the same weights; only the input handling differs.
  ResNeXtCBAM pooled(pooled_cfg, 5), plain(ResNeXtConfig::from_json(j, "model"), 5);
  pooled.eval();
  plain.eval();
  Tensor x = images(2, 32, 3);
  std::vector<float> half(2 * 3 * 16 * 16), picked(half.size());
  const float* px = x.data<float>();
  for (int64_t nc = 0; nc < 6; ++nc)
    for (int64_t i = 0; i < 16; ++i)
      for (int64_t k = 0; k < 16; ++k) {
        const float* t = px + nc * 32 * 32 + 2 * i * 32 + 2 * k;
        half[size_t((nc * 16 + i) * 16 + k)] = (t[0] + t[1] + t[32] + t[33]) / 4;
        picked[size_t((nc * 16 + i) * 16 + k)] = t[0];  // subsampling, not the mean
      }
  Tensor e_pooled = pooled.forward(x).embedding;
  Tensor e_plain = plain.forward(Tensor::from(half, {2, 3, 16, 16})).embedding;
  CHECK(max_abs_diff(e_pooled, e_plain) < 1e-5);
  CHECK(max_abs_diff(e_pooled, plain.forward(Tensor::from(picked, {2, 3, 16, 16})).embedding) > 1e-3);

  j = small_cfg().to_json();
  j["input_pool"] = 3;
  CHECK_THAT(error_of([&] { ResNeXtConfig::from_json(j, "model"); }), Catch::Contains("model.input_pool"));
  j["input_pool"] = 4;  // 32 / 4 = 8 is not a multiple of 2^4 for the flatten head
  CHECK_THAT(error_of([&] { ResNeXtConfig::from_json(j, "model"); }), Catch::Contains("model.size"));
}

TEST_CASE("Module::to(DType) widens every floating tensor in place", "[models]") {
  ResNeXtCBAM net(small_cfg(), 33);
  net.train();
  net.forward(images(2, 32, 13));  // running statistics and counters away from their start
  const auto before = net.state_dict();
  std::map<std::string, std::vector<double>> values;
  for (auto& [name, t] : before) values[name] = kdtest::as_doubles(t);
  Tensor w = net.state_dict().at("blocks.0.c1.weight");  // a handle taken before the conversion
  net.to(DType::F64);
  CHECK(w.dtype() == DType::F64);  // the same tensor object, as layers and optimisers hold it
  for (auto& [name, t] : net.state_dict()) {
    INFO(name);
    CHECK(t.dtype() == (name.find("num_batches_tracked") != std::string::npos ? DType::I64 : DType::F64));
    CHECK(kdtest::as_doubles(t) == values.at(name));  // exactly widened
  }
  net.eval();
  CHECK(net.forward(images(2, 32, 14).to(DType::F64)).embedding.dtype() == DType::F64);
  CHECK_THROWS_WITH(net.to(DType::I64), Catch::Contains("floating"));
}

TEST_CASE("strict loading names the missing, mismatched or unexpected key", "[models]") {
  ResNeXtCBAM net(small_cfg(), 1);
  auto good = ResNeXtCBAM(small_cfg(), 2).state_dict();

  auto missing = good;
  missing.erase("blocks.1.cbam.spatial.weight");
  CHECK_THAT(error_of([&] { net.load_state_dict(missing); }),
             Catch::Contains("missing 'blocks.1.cbam.spatial.weight'"));
  auto missing_counter = good;
  missing_counter.erase("blocks.0.b1.num_batches_tracked");
  CHECK_THAT(error_of([&] { net.load_state_dict(missing_counter); }),
             Catch::Contains("blocks.0.b1.num_batches_tracked"));

  auto wrong = good;
  wrong["fc.weight"] = Tensor::zeros({32, 255});
  std::string e = error_of([&] { net.load_state_dict(wrong); });
  CHECK_THAT(e, Catch::Contains("'fc.weight'"));
  CHECK_THAT(e, Catch::Contains("[32, 255]"));
  CHECK_THAT(e, Catch::Contains("[32, 256]"));

  auto extra = good;
  extra["blocks.9.c1.weight"] = Tensor::zeros({1});
  CHECK_THAT(error_of([&] { net.load_state_dict(extra); }), Catch::Contains("blocks.9.c1.weight"));

  // A model of another config is rejected by name, not by position.
  auto tiny = ResNeXtCBAM(ResNeXtConfig::preset("tiny"), 1).state_dict();
  CHECK_FALSE(error_of([&] { net.load_state_dict(tiny); }).empty());
}

TEST_CASE("model configs: presets, JSON overrides, strict keys", "[models][config]") {
  ResNeXtConfig tiny = ResNeXtConfig::preset("tiny");
  CHECK(tiny.depths == std::vector<int64_t>{1, 2, 2, 1});
  CHECK(tiny.head == "avg");
  CHECK(ResNeXtConfig::preset("r18x").depths == std::vector<int64_t>{2, 2, 2, 2});
  CHECK(ResNeXtConfig::preset("r100x") == ResNeXtConfig());
  CHECK_THAT(error_of([] { ResNeXtConfig::preset("r50"); }), Catch::Contains("r100x, r18x, tiny"));

  ResNeXtConfig c = ResNeXtConfig::from_json(json::parse(R"({"preset": "tiny", "emb": 64, "size": 32})"), "model");
  CHECK(c.emb == 64);
  CHECK(c.size == 32);
  CHECK(c.widths == tiny.widths);
  CHECK(ResNeXtConfig::from_json(c.to_json(), "model") == c);

  CHECK_THAT(error_of([] { ResNeXtConfig::from_json(json::parse(R"({"preset": "tiny", "embb": 64})"), "model"); }),
             Catch::Contains("model.embb"));
  CHECK_THAT(error_of([] { ResNeXtConfig::from_json(json::parse(R"({"preset": "r50"})"), "teacher"); }),
             Catch::Contains("teacher.preset"));
  CHECK_THAT(error_of([] { ResNeXtConfig::from_json(json::parse(R"({"groups": 2.5})"), "student"); }),
             Catch::Contains("student.groups"));
  CHECK_THAT(error_of([] { ResNeXtConfig::from_json(json::parse(R"({"head": "max"})"), "model"); }),
             Catch::Contains("model.head"));
  CHECK_THAT(error_of([] { ResNeXtConfig::from_json(json::parse(R"({"widths": [128, 256]})"), "model"); }),
             Catch::Contains("model.widths"));
  CHECK_THAT(error_of([] { ResNeXtConfig::from_json(json::parse(R"({"groups": 3})"), "model"); }),
             Catch::Contains("divisible by groups"));
  CHECK_THAT(error_of([] { ResNeXtConfig::from_json(json::parse(R"({"size": 100})"), "model"); }),
             Catch::Contains("model.size"));

  // The shipped config files are valid and name their presets.
  for (const char* name : {"r100x", "r18x", "tiny"}) {
    json j = load_config(std::string(KDFACE_SOURCE_DIR) + "/configs/models/" + name + ".json");
    INFO(name);
    CHECK(ResNeXtConfig::from_json(j, name) == ResNeXtConfig::preset(name));
  }
}

TEST_CASE("margin heads: cosine, margin at the label, loss", "[models]") {
  MarginHead arc(4, 3, "arcface", 64.0, 0.5, 3), cosf(4, 3, "cosface", 30.0, 0.35, 3);
  Tensor w = Tensor::from<float>({1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 3, 4}, {3, 4});
  arc.load_state_dict({{"w", w}});
  cosf.load_state_dict({{"w", w}});
  Tensor e = Tensor::from<float>({3, 4, 0, 0, 1, 1, 0, 0}, {2, 4});
  Tensor y = Tensor::from<int64_t>({0, 1}, {2});
  auto cos = kdtest::as_doubles(arc.cosine(e));
  const double r = 1 / std::sqrt(2.0);
  const std::vector<double> want = {0.6, 0.8, 0, r, r, 0};
  for (size_t i = 0; i < 6; ++i) CHECK(cos[i] == Approx(want[i]).margin(1e-6));

  auto la = kdtest::as_doubles(arc.logits(e, y));
  CHECK(la[0] == Approx(64 * std::cos(std::acos(0.6) + 0.5)).margin(1e-3));  // cos(theta + m)
  CHECK(la[4] == Approx(64 * std::cos(M_PI / 4 + 0.5)).margin(1e-3));  // theta 45 degrees
  CHECK(la[3] == Approx(64 * r).margin(1e-3));                         // not the label: no margin
  auto lc = kdtest::as_doubles(cosf.logits(e, y));
  CHECK(lc[0] == Approx(30 * (0.6 - 0.35)).margin(1e-3));
  CHECK(lc[1] == Approx(30 * 0.8).margin(1e-3));

  // cross-entropy of the logits, row by row
  double ce = 0;
  for (int i = 0; i < 2; ++i) {
    double z = 0;
    for (int j = 0; j < 3; ++j) z += std::exp(la[size_t(3 * i + j)]);
    ce += std::log(z) - la[size_t(3 * i + i)];
  }
  CHECK(arc.loss(e, y).item() == Approx(ce / 2).epsilon(1e-5));

  CHECK(arc.named_parameters().at(0).first == "w");
  MarginHead h(512, 1000, "arcface", 64, 0.5, 1);
  double sq = 0;
  for (double v : kdtest::as_doubles(h.named_parameters().at(0).second)) sq += v * v;
  CHECK(std::sqrt(sq / 512000) == Approx(0.01).epsilon(0.02));  // randn * 0.01
  CHECK_THAT(error_of([] { MarginHead(4, 3, "sphereface", 64, 0.5, 1); }), Catch::Contains("sphereface"));
  CHECK_THAT(error_of([&] { arc.cosine(Tensor::zeros({2, 5})); }), Catch::Contains("(N, 4)"));
}

TEST_CASE("adaptive BN re-estimates the running statistics as a cumulative average", "[models][adabn]") {
  // A lone BatchNorm: after k batches the buffers are the plain average of the batch means and
  // of the unbiased batch variances (PyTorch momentum=None), whatever they were before.
  BatchNorm bn(2);
  bn.eval();
  std::vector<std::vector<float>> data = {{1, 2, 3, 10, 20, 40}, {5, 5, 9, 0, 2, 4}, {0, 0, 6, 1, 1, 1}};
  std::vector<Tensor> batches;
  for (auto& d : data) batches.push_back(Tensor::from<float>(d, {3, 2}));  // (N=3, C=2)
  // Stale statistics first (as after training on another domain).
  bn.train();
  for (int i = 0; i < 3; ++i) bn.forward(Tensor::from<float>({100, -5, 101, -6, 99, -9}, {3, 2}));
  bn.eval();
  size_t next = 0;
  int64_t used = adaptive_bn(bn, [&](const Tensor& x) { bn.forward(x); },
                             [&](Tensor& b) {
                               if (next == batches.size()) return false;
                               b = batches[next++];
                               return true;
                             },
                             2);
  CHECK(used == 2);
  CHECK_FALSE(bn.is_training());  // mode restored
  // by hand: batch 1 ch0 {1,3,20} mean 8, var ((49+25+144)/2) = 109; ch1 {2,10,40} mean 52/3,
  // batch 2 ch0 {5,9,2} mean 16/3; ch1 {5,0,4} mean 3.
  auto mean_var = [](std::vector<double> v) {
    double m = 0, s = 0;
    for (double x : v) m += x;
    m /= double(v.size());
    for (double x : v) s += (x - m) * (x - m);
    return std::make_pair(m, s / double(v.size() - 1));
  };
  auto a0 = mean_var({1, 3, 20}), a1 = mean_var({2, 10, 40}), b0 = mean_var({5, 9, 2}), b1 = mean_var({5, 0, 4});
  auto sd = bn.state_dict();
  auto rm = kdtest::as_doubles(sd.at("running_mean")), rv = kdtest::as_doubles(sd.at("running_var"));
  CHECK(rm[0] == Approx((a0.first + b0.first) / 2));
  CHECK(rm[1] == Approx((a1.first + b1.first) / 2));
  CHECK(rv[0] == Approx((a0.second + b0.second) / 2));
  CHECK(rv[1] == Approx((a1.second + b1.second) / 2));
  CHECK(sd.at("num_batches_tracked").item() == 2.0);
  CHECK(next == 2);  // max_batches respected
  // Outside the scope the module's own momentum (0.1) is back.
  bn.train();
  bn.forward(batches[2]);
  auto c0 = mean_var({0, 6, 1});
  CHECK(kdtest::as_doubles(bn.state_dict().at("running_mean"))[0] == Approx(0.9 * rm[0] + 0.1 * c0.first));

  // An empty source is an error that leaves the statistics as they were.
  Tensor kept = bn.state_dict().at("running_mean").clone();
  CHECK_THAT(error_of([&] { adaptive_bn(bn, [](const Tensor&) {}, [](Tensor&) { return false; }, 4); }),
             Catch::Contains("left unchanged"));
  CHECK(max_abs_diff(bn.state_dict().at("running_mean"), kept) == 0.0);
  CHECK(bn.state_dict().at("num_batches_tracked").item() == 3.0);
  CHECK_THAT(error_of([&] { adaptive_bn(bn, [](const Tensor&) {}, [](Tensor&) { return true; }, 0); }),
             Catch::Contains("max_batches"));
}

TEST_CASE("adaptive BN on the tiny model matches the hand-computed stem statistics", "[models][adabn]") {
  ResNeXtCBAM net(ResNeXtConfig::preset("tiny"), 41);
  net.train();
  net.forward(images(4, 32, 50));  // stale statistics from "another domain"
  net.eval();
  std::vector<Tensor> target = {images(4, 32, 51), images(4, 32, 52), images(4, 32, 53)};
  // shift the target domain so its statistics differ clearly from the stale ones
  for (auto& t : target) {
    float* p = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = 0.5f * p[i] + 0.7f;
  }
  size_t next = 0;
  auto source = [&](Tensor& b) {
    if (next == target.size()) return false;
    b = target[next++];
    return true;
  };
  auto before = net.state_dict().at("stem.1.running_mean").clone();
  CHECK(adaptive_bn(net, source, 10) == 3);  // stops when the source is exhausted
  CHECK_FALSE(net.is_training());

  // The stem BN sees conv(x) with the stem weights: its statistics can be computed directly.
  auto sd = net.state_dict();
  Tensor w = sd.at("stem.0.weight");
  const int64_t C = w.size(0);
  std::vector<double> mean(size_t(C), 0.0), var(size_t(C), 0.0);
  for (auto& t : target) {
    auto y = kdtest::as_doubles(conv2d(t, w, Tensor(), {1, 1, 1}));  // (4, C, 32, 32)
    const int64_t S = 32 * 32, N = 4;
    for (int64_t c = 0; c < C; ++c) {
      double m = 0, s = 0;
      for (int64_t n = 0; n < N; ++n)
        for (int64_t i = 0; i < S; ++i) m += y[size_t((n * C + c) * S + i)];
      m /= double(N * S);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t i = 0; i < S; ++i) s += std::pow(y[size_t((n * C + c) * S + i)] - m, 2);
      mean[size_t(c)] += m / double(target.size());
      var[size_t(c)] += s / double(N * S - 1) / double(target.size());
    }
  }
  auto rm = kdtest::as_doubles(sd.at("stem.1.running_mean")), rv = kdtest::as_doubles(sd.at("stem.1.running_var"));
  for (int64_t c = 0; c < C; ++c) {
    CHECK(rm[size_t(c)] == Approx(mean[size_t(c)]).margin(1e-5).epsilon(1e-4));
    CHECK(rv[size_t(c)] == Approx(var[size_t(c)]).margin(1e-5).epsilon(1e-4));
  }
  CHECK(max_abs_diff(before, sd.at("stem.1.running_mean")) > 1e-2);  // it moved
  for (auto& [name, t] : sd)
    if (name.size() > 20 && name.substr(name.size() - 20) == ".num_batches_tracked") {
      INFO(name);
      CHECK(t.item() == 3.0);
    }
  // Weights untouched, gradients not recorded.
  for (auto& [name, p] : net.named_parameters()) CHECK_FALSE(p.grad().defined());

  MarginHead head(4, 3, "arcface", 64, 0.5, 1);
  CHECK_THAT(error_of([&] { adaptive_bn(head, source, 1); }), Catch::Contains("not a ResNeXtCBAM"));
}

// Timing, not a check: run with `test_models "[.bench]"` (OMP_NUM_THREADS bounds the threads).
TEST_CASE("tiny forward throughput on the CPU", "[.bench]") {
  ResNeXtCBAM net(ResNeXtConfig::preset("tiny"), 1);
  net.eval();
  autograd::NoGradGuard ng;
  for (int64_t side : {112, 32}) {
    Tensor x = images(64, side, 2);
    net.forward(x);  // warm-up
    std::vector<double> ms;
    for (int i = 0; i < 5; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      net.forward(x);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    std::cout << "tiny forward (eval, no grad) batch 64 at " << side << "x" << side << ": median " << ms[2]
              << " ms (" << 64 / ms[2] * 1e3 << " faces/s), best " << ms[0] << " ms (" << 64 / ms[0] * 1e3
              << " faces/s)\n";
  }
}
