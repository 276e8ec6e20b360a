// Training proven against PyTorch (issue 13, 3a): from the same initial weights and the same
// data, 50 SGD steps of the tiny student with ArcFace and 50 distillation steps from a frozen
// teacher give PyTorch's loss curve and final weights. The reference in
// tests/reference/train_parity/ is written by scripts/torch_train_reference.py; this test needs
// no torch. It drives the product's pieces: the config parser, StudentNet / TeacherNet (the
// teacher loaded from its checkpoint file), LossStep, SGD and the schedule from the config,
// and optimisation_step, the step run_training runs.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/checkpoint.h"
#include "engine/config.h"
#include "engine/safetensors.h"
#include "train/optim_step.h"

using nlohmann::json;
using namespace kd;

namespace {

// KDFACE_TRAIN_PARITY points at another reference folder (a freshly generated one, before
// it replaces the committed one).
const std::string kDir = [] {
  const char* e = std::getenv("KDFACE_TRAIN_PARITY");
  return e && *e ? std::string(e) : std::string(KDFACE_SOURCE_DIR) + "/tests/reference/train_parity";
}();

const json& reference() {
  static const json ref = load_config(kDir + "/reference.json");
  return ref;
}

// The data both sides generate (scripts/torch_train_reference.py, batch()): no file, no
// randomness, and every value on a 2^-15 grid, so float32 and float64 see the same numbers.
uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double uniform16(uint64_t stream, uint64_t j) { return double(splitmix64(stream << 32 | j) >> 48) / 32768.0 - 1.0; }

data::Batch synthetic_batch(int64_t step, DType dt) {
  const json& ref = reference();
  const int64_t B = ref["batch"], C = ref["classes"], S = ref["size"], n = 3 * S * S;
  std::vector<double> x(size_t(B * n));
  std::vector<int64_t> y(static_cast<size_t>(B));
  for (int64_t i = 0; i < B; ++i) {
    const int64_t g = step * B + i, c = g % C;
    y[size_t(i)] = c;
    for (int64_t j = 0; j < n; ++j)
      x[size_t(i * n + j)] = (uniform16(uint64_t(c), uint64_t(j)) + uniform16(uint64_t(1024 + g), uint64_t(j))) / 2.0;
  }
  data::Batch b;
  b.hr = Tensor::from(x, {B, 3, S, S}).to(dt);
  b.label = Tensor::from(y, {B});
  return b;
}

struct Run {
  std::map<std::string, std::vector<double>> curve;  // "lr" and every loss term, per step
  std::map<std::string, Tensor> final_state;
  double seconds = 0;
};

// run_training's set-up and loop, minus the loader, logging and checkpoints. `edit` changes
// the parsed config (the sensitivity check below).
Run run_kdface(const std::string& name, DType dt, int64_t steps,
               const std::function<void(train::TrainConfig&)>& edit = nullptr) {
  const json& spec = reference()["runs"][name];
  const std::string cfg_file = spec["config"];
  json cfg_json = load_config(kDir + "/" + cfg_file);
  for (const std::string& o : spec.value("overrides", std::vector<std::string>())) apply_override(cfg_json, o);
  train::TrainConfig cfg = train::parse_train_config(cfg_json, cfg_file);
  REQUIRE(cfg.schedule_unit == "step");
  REQUIRE(cfg.max_steps == reference()["steps"].get<int64_t>());
  if (cfg.has_teacher) cfg.teacher_checkpoint = kDir + "/" + cfg.teacher_checkpoint;
  if (edit) edit(cfg);
  const int64_t classes = reference()["classes"];

  auto t0 = std::chrono::steady_clock::now();
  train::StudentNet student(cfg, classes);
  load_checkpoint(kDir + "/init_student.safetensors").restore_model(student);
  // float32 values in the file: the float64 run starts from their exact widening.
  student.to(dt);
  std::unique_ptr<train::TeacherNet> teacher;
  if (cfg.has_teacher) {
    teacher = std::make_unique<train::TeacherNet>(cfg, classes);
    teacher->to(dt);
  }
  SGD sgd(student.named_parameters(), train::sgd_options(cfg));
  const LrSchedule sched = train::make_schedule(cfg, cfg.max_steps);
  train::LossStep losses(cfg, student, teacher.get());
  student.train();
  Run r;
  for (int64_t step = 0; step < steps; ++step) {
    const double lr = sched.lr_at(step);
    train::LossValues lv = train::optimisation_step(losses, sgd, lr, synthetic_batch(step, dt), step, false);
    REQUIRE(lv.finite);
    r.curve["lr"].push_back(lr);
    for (auto& [term, v] : lv.values) r.curve[term].push_back(v);
  }
  r.final_state = student.state_dict();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

double rel(double a, double b) { return a == b ? 0.0 : std::fabs(a - b) / std::fabs(b); }  // lr 0 at step 1

struct Worst {
  double value = 0;
  std::string where;
  void see(double v, const std::string& w) {
    if (!(v <= value)) {  // NaN counts as worst
      value = v;
      where = w;
    }
  }
};

// Every term of PyTorch's curve at every step: the worst relative difference over all steps
// and at the last step alone.
std::pair<Worst, Worst> compare_curves(const Run& r, const json& torch_curve) {
  Worst all, last;
  for (auto& [term, values] : torch_curve.items()) {
    INFO("term " << term);
    REQUIRE(r.curve.count(term));
    const std::vector<double>& ours = r.curve.at(term);
    REQUIRE(ours.size() == values.size());
    for (size_t k = 0; k < ours.size(); ++k) {
      const double d = rel(ours[k], values[k].get<double>());
      if (std::getenv("KDFACE_TRAIN_PARITY_VERBOSE"))
        std::printf("  %s step %zu: %.17g vs %.17g, %.1e\n", term.c_str(), k + 1, ours[k], values[k].get<double>(), d);
      all.see(d, term + " at step " + std::to_string(k + 1));
      if (k + 1 == ours.size()) last.see(d, term + " at step " + std::to_string(k + 1));
    }
  }
  return {all, last};
}

// Per tensor: max |ours - torch| / max(max |torch|, 1e-2). The floor keeps near-zero tensors
// from dividing by themselves: BatchNorm biases that start at 0 and after 50 float32 steps
// at a small rate hold 1e-5..1e-3, and the final bn's bias, which the embedding's BatchNorm
// makes irrelevant to the loss, holds rounding noise on both sides.
Worst compare_weights(const Run& r, const std::string& file) {
  SafeTensors ref = load_safetensors(kDir + "/" + file);
  REQUIRE(ref.tensors.size() == r.final_state.size());
  Worst w;
  for (auto& [name, mine] : r.final_state) {
    INFO("tensor " << name);
    REQUIRE(ref.tensors.count(name));
    const Tensor& theirs = ref.tensors.at(name);
    REQUIRE(theirs.shape() == mine.shape());
    if (mine.dtype() == DType::I64) {  // num_batches_tracked
      CHECK(int64_t(mine.item()) == int64_t(theirs.item()));
      continue;
    }
    REQUIRE(theirs.dtype() == mine.dtype());
    Tensor a = mine.to(DType::F64), b = theirs.to(DType::F64);
    const double* pa = a.data<double>();
    const double* pb = b.data<double>();
    double diff = 0, scale = 1e-2;
    for (int64_t i = 0; i < a.numel(); ++i) {
      diff = std::fmax(diff, std::fabs(pa[i] - pb[i]));
      scale = std::fmax(scale, std::fabs(pb[i]));
    }
    w.see(diff / scale, name);
  }
  return w;
}

struct Tolerances {
  double loss_every_step, loss_last_step, weights;
};

void check_run(const std::string& run, DType dt, const Tolerances& tol) {
  const json& spec = reference()["runs"][run];
  REQUIRE(spec["dtype"] == dtype_name(dt));
  Run r = run_kdface(run, dt, reference()["steps"]);
  auto [all, last] = compare_curves(r, spec["curve"]);
  Worst w = compare_weights(r, spec["final"]);
  std::printf("parity %-12s %zu steps in %.1f s: loss max rel diff %.2e (%s), at the last step %.2e; "
              "final weights %.2e (%s)\n",
              run.c_str(), r.curve.at("lr").size(), r.seconds, all.value, all.where.c_str(), last.value, w.value,
              w.where.c_str());
  std::fflush(stdout);
  INFO("worst loss difference: " << all.where << ", worst weights: " << w.where);
  CHECK(all.value <= tol.loss_every_step);
  CHECK(last.value <= tol.loss_last_step);
  CHECK(w.value <= tol.weights);
}

}  // namespace

// float64: the only differences are the order of floating-point sums, so every step agrees.
TEST_CASE("float64: 50 ArcFace steps of the tiny student match PyTorch", "[train][parity]") {
  check_run("cls_float64", DType::F64, {1e-9, 1e-9, 1e-9});
}

TEST_CASE("float64: 50 distillation steps (ArcFace + logit + attention KD) match PyTorch", "[train][parity]") {
  check_run("kd_float64", DType::F64, {1e-9, 1e-9, 1e-9});
}

// float32: rounding differs between the two implementations from the first op on, and the
// difference grows (docs/training.md, "Proven against PyTorch"); the issue asks for the loss
// at step 50 within 1e-3. Every step within 1e-2 catches a disagreement that heals later.
TEST_CASE("float32: 50 ArcFace steps of the tiny student match PyTorch", "[train][parity]") {
  check_run("cls_float32", DType::F32, {1e-2, 1e-3, 5e-3});
}

TEST_CASE("float32: 50 distillation steps match PyTorch", "[train][parity]") {
  check_run("kd_float32", DType::F32, {1e-2, 1e-3, 5e-3});
}

// The comparison can fail: a run whose margin or learning rate is off by a part in a million
// leaves the float64 tolerance within four steps (the warm-up's first step has lr 0).
TEST_CASE("the float64 parity detects a margin or a learning rate off by 1e-6", "[train][parity]") {
  const json& spec = reference()["runs"]["cls_float64"];
  const int64_t kSteps = 4;
  for (auto edit : std::vector<std::function<void(train::TrainConfig&)>>{
           [](train::TrainConfig& c) { c.head_m *= 1 + 1e-6; }, [](train::TrainConfig& c) { c.lr *= 1 + 1e-6; }}) {
    Run r = run_kdface("cls_float64", DType::F64, kSteps, edit);
    json curve = json::object();
    for (auto& [term, v] : spec["curve"].items())
      if (term != "lr")  // the learning rate itself is not what is checked here
        for (int64_t k = 0; k < kSteps; ++k) curve[term].push_back(v[size_t(k)]);
    CHECK(compare_curves(r, curve).first.value > 1e-9);
  }
}
