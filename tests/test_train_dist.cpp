// Data-parallel training (issue 15, tests a and b), run by ctest as `mpirun -np 2`:
//   (a) 2 ranks with half of a batch each train as 1 process with the whole batch: 20 steps of
//       the tiny student with ArcFace + logit KD + attention KD from a frozen teacher, with
//       synchronised BatchNorm: within 1e-9 in float64 (every loss term at every step, and the
//       final weights), and in float32 1e-4 in the losses and 1e-3 in the weights;
//   (b) after every step, every rank holds bit-identical weights.
// It drives the product's step (optimisation_step with DataParallel: sync BN, the bucketed
// gradient reducer, the finiteness vote) on the model, teacher and synthetic data of the
// PyTorch training parity (tests/reference/train_parity), so no file is read but those.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "engine/checkpoint.h"
#include "engine/config.h"
#include "train/optim_step.h"
#include "train/sharded_head.h"

using nlohmann::json;
using namespace kd;

namespace {

const std::string kDir = std::string(KDFACE_SOURCE_DIR) + "/tests/reference/train_parity";
constexpr int64_t kSteps = 20, kBatch = 8, kClasses = 10, kSize = 112;

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Rows [first, first + n) of global batch `step`: every value on a 2^-15 grid.
data::Batch rows(int64_t step, int64_t first, int64_t n, DType dt) {
  const int64_t per = 3 * kSize * kSize;
  std::vector<double> x(size_t(n * per));
  std::vector<int64_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t g = step * kBatch + first + i;
    y[size_t(i)] = (g * 7 + step) % kClasses;
    for (int64_t j = 0; j < per; ++j)
      x[size_t(i * per + j)] = double(splitmix64(uint64_t(g) << 32 | uint64_t(j)) >> 49) / 16384.0 - 1.0;
  }
  data::Batch b;
  b.hr = Tensor::from(x, {n, 3, kSize, kSize}).to(dt);
  b.label = Tensor::from(y, {n});
  return b;
}

train::TrainConfig config(DType dt) {
  json j = load_config(kDir + "/config_kd.json");
  apply_override(j, "data.sync_bn=true");
  if (dt == DType::F32) apply_override(j, "optim.lr=5e-06");  // as the parity's float32 runs
  train::TrainConfig c = train::parse_train_config(j, "config_kd.json");
  c.teacher_checkpoint = kDir + "/" + c.teacher_checkpoint;
  return c;
}

uint64_t fnv1a(const void* p, size_t n, uint64_t h) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ULL;
  return h;
}

struct Run {
  std::vector<std::map<std::string, double>> losses;  // per step, this rank's batch
  std::map<std::string, Tensor> final_state;
  int64_t buckets_started_early = 0;
};

// `comm` of size 1: the whole batch in one process. Larger: this rank's rows of each batch.
Run train_steps(dist::Communicator& comm, DType dt, int64_t steps = kSteps,
                size_t bucket_bytes = dist::GradReducer::kDefaultBucketBytes) {
  train::TrainConfig cfg = config(dt);
  train::StudentNet student(cfg, kClasses);
  load_checkpoint(kDir + "/init_student.safetensors").restore_model(student);
  student.to(dt);
  train::TeacherNet teacher(cfg, kClasses);
  teacher.to(dt);
  SGD sgd(student.named_parameters(), train::sgd_options(cfg));
  const LrSchedule sched = train::make_schedule(cfg, cfg.max_steps);
  train::LossStep losses(cfg, student, &teacher);
  train::DataParallel dp(comm, student, cfg.sync_bn, bucket_bytes);
  dp.broadcast_state(student);
  student.train();
  const int64_t local = kBatch / comm.size();
  Run r;
  for (int64_t step = 0; step < steps; ++step) {
    train::LossValues lv = train::optimisation_step(losses, sgd, sched.lr_at(step),
                                                    rows(step, comm.rank() * local, local, dt), step, false,
                                                    dp.active() ? &dp : nullptr);
    REQUIRE(lv.finite);
    dp.average(lv.values);
    r.losses.push_back(lv.values);
    r.buckets_started_early += dp.buckets_started_during_backward();
    if (dp.active()) {  // (b): one hash of every parameter's bytes, gathered from every rank
      uint64_t h = 0xcbf29ce484222325ULL;
      for (auto& [name, p] : student.named_parameters()) h = fnv1a(p.raw_data(), p.nbytes(), h);
      Tensor mine = Tensor::full({1}, 0.0, DType::I64);
      std::memcpy(mine.raw_data(), &h, sizeof h);
      std::vector<int64_t> all = comm.all_gather(mine).to_vector<int64_t>();
      for (size_t k = 1; k < all.size(); ++k) {
        INFO("step " << step + 1 << ": rank " << k << "'s weights differ from rank 0's");
        REQUIRE(all[k] == all[0]);
      }
    }
  }
  r.final_state = student.state_dict();
  return r;
}

double rel(double a, double b) { return a == b ? 0.0 : std::fabs(a - b) / std::max(std::fabs(b), 1e-12); }

// Losses: relative difference at every step. Weights: per tensor max |a - b| / max(max |b|, 1e-2),
// the parity test's measure (BatchNorm biases near 0 hold float32 rounding noise of ~1e-6).
void check_against_one_process(DType dt, double tol, double tol_weights) {
  dist::Communicator& world = dist::world();
  Run dp = train_steps(world, dt);
  // The one-process run, on rank 0 only; the others wait.
  if (world.rank() == 0) {
    auto one = dist::make_single();
    Run ref = train_steps(*one, dt);
    double worst = 0;
    std::string where;
    for (int64_t s = 0; s < kSteps; ++s)
      for (auto& [term, v] : ref.losses[size_t(s)]) {
        double d = rel(dp.losses[size_t(s)].at(term), v);
        if (!(d <= worst)) worst = d, where = term + " at step " + std::to_string(s + 1);
      }
    double worst_w = 0;
    std::string where_w;
    for (auto& [name, t] : ref.final_state) {
      if (t.dtype() == DType::I64) {
        CHECK(int64_t(dp.final_state.at(name).item()) == int64_t(t.item()));
        continue;
      }
      std::vector<double> a = dp.final_state.at(name).to(DType::F64).to_vector<double>();
      std::vector<double> b = t.to(DType::F64).to_vector<double>();
      double diff = 0, scale = 1e-2;
      for (size_t i = 0; i < a.size(); ++i) diff = std::fmax(diff, std::fabs(a[i] - b[i])), scale = std::fmax(scale, std::fabs(b[i]));
      if (!(diff / scale <= worst_w)) worst_w = diff / scale, where_w = name;
    }
    std::printf("data parallel %s, %d ranks x %lld vs 1 x %lld, %lld steps: loss max rel diff %.2e (%s), final "
                "weights %.2e (%s)\n",
                dtype_name(dt), world.size(), (long long)(kBatch / world.size()), (long long)kBatch,
                (long long)kSteps, worst, where.c_str(), worst_w, where_w.c_str());
    std::fflush(stdout);
    CHECK(worst <= tol);
    CHECK(worst_w <= tol_weights);
  }
  world.barrier();
}

bool two_ranks() {
  if (dist::launched_by_mpi() && dist::world().size() >= 2) return true;
  std::printf("KDFACE-SKIP: needs 2 MPI ranks (ctest runs it under mpirun -np 2; kdface built %s MPI)\n",
              dist::have_mpi() ? "with" : "without");
  return false;
}

}  // namespace

TEST_CASE("2 ranks x B/2 train as 1 process x B: float64 within 1e-9, weights bit-identical on every rank",
          "[dist]") {
  if (!two_ranks()) return;
  check_against_one_process(DType::F64, 1e-9, 1e-9);
}

TEST_CASE("2 ranks x B/2 train as 1 process x B: float32 losses within 1e-4, weights 1e-3", "[dist]") {
  if (!two_ranks()) return;
  check_against_one_process(DType::F32, 1e-4, 1e-3);
}

TEST_CASE("small gradient buckets start during backward and give the same bits as one bucket", "[dist]") {
  if (!two_ranks()) return;
  Run one = train_steps(dist::world(), DType::F64, 3);
  Run small = train_steps(dist::world(), DType::F64, 3, 16 << 10);
  std::printf("gradient buckets started during backward over 3 steps: %lld of 16 KB, %lld of 25 MB\n",
              (long long)small.buckets_started_early, (long long)one.buckets_started_early);
  CHECK(small.buckets_started_early > 3);
  for (auto& [name, t] : one.final_state) {
    INFO(name);
    std::vector<double> a = t.to(DType::F64).to_vector<double>(), b = small.final_state.at(name).to(DType::F64).to_vector<double>();
    CHECK(a == b);
  }
}

TEST_CASE("without sync BN the ranks normalise with their own statistics and the runs differ", "[dist]") {
  // The check above can fail: per-rank BatchNorm (the default) is a different computation.
  if (!two_ranks()) return;
  dist::Communicator& world = dist::world();
  train::TrainConfig cfg = config(DType::F64);
  cfg.sync_bn = false;
  train::StudentNet student(cfg, kClasses);
  load_checkpoint(kDir + "/init_student.safetensors").restore_model(student);
  student.to(DType::F64);
  train::TeacherNet teacher(cfg, kClasses);
  teacher.to(DType::F64);
  SGD sgd(student.named_parameters(), train::sgd_options(cfg));
  train::LossStep losses(cfg, student, &teacher);
  train::DataParallel dp(world, student, false);
  student.train();
  const int64_t local = kBatch / world.size();
  const double lr0 = train::make_schedule(cfg, cfg.max_steps).lr_at(0);
  train::LossValues lv = train::optimisation_step(losses, sgd, lr0, rows(0, world.rank() * local, local, DType::F64),
                                                  0, false, &dp);
  dp.average(lv.values);
  Run sync = train_steps(world, DType::F64, 1);  // the same first step with sync BN
  CHECK(rel(lv.values.at("total"), sync.losses[0].at("total")) > 1e-6);
}

TEST_CASE("the sharded margin head equals the unsharded one in loss and gradients", "[dist]") {
  // (c): 11 classes over 2 ranks (shards of 5 and 6), 8 embeddings per rank, ArcFace s 64 m 0.5,
  // float64. Reference: the whole head over all 16 embeddings, on every rank.
  if (!two_ranks()) return;
  dist::Communicator& world = dist::world();
  const int64_t E = 16, C = 11, B = 8, M = B * world.size();
  std::vector<double> e(size_t(M * E));
  std::vector<int64_t> y(static_cast<size_t>(M));
  for (int64_t i = 0; i < M; ++i) {
    y[size_t(i)] = (i * 5 + 3) % C;
    for (int64_t j = 0; j < E; ++j) e[size_t(i * E + j)] = double(splitmix64(uint64_t(i * E + j)) >> 40) / double(1 << 23) - 1.0;
  }
  Tensor all_e = Tensor::from(e, {M, E}), all_y = Tensor::from(y, {M});
  for (const char* kind : {"arcface", "cosface"}) {
    INFO(kind);
    models::MarginHead whole(E, C, kind, 64.0, 0.5, 77);
    whole.to(DType::F64);
    Tensor ref_e = all_e.clone().requires_grad_();
    Tensor ref_loss = whole.loss(ref_e, all_y);
    ref_loss.backward();

    auto [b, end] = train::head_shard(C, world.rank(), world.size());
    models::MarginHead shard(E, C, kind, 64.0, 0.5, 77, b, end);
    shard.to(DType::F64);
    Tensor my_e = all_e.narrow0(world.rank() * B, B).clone().requires_grad_();
    Tensor loss = train::sharded_head_loss(world, shard, my_e, all_y.narrow0(world.rank() * B, B).clone());
    loss.backward();

    CHECK(rel(loss.item(), ref_loss.item()) < 1e-13);
    auto max_diff = [](const Tensor& a, const Tensor& b, double k) {
      std::vector<double> x = a.to_vector<double>(), z = b.to_vector<double>();
      double d = 0;
      for (size_t i = 0; i < x.size(); ++i) d = std::fmax(d, std::fabs(x[i] - k * z[i]));
      return d;
    };
    Tensor w_grad = shard.named_parameters()[0].second.grad();
    Tensor ref_w_grad = whole.named_parameters()[0].second.grad().narrow0(b, end - b);
    // The embedding gradient carries the factor N that the reducer's average over ranks removes.
    Tensor ref_e_grad = ref_e.grad().narrow0(world.rank() * B, B);
    const double dw = max_diff(w_grad, ref_w_grad, 1.0), de = max_diff(my_e.grad(), ref_e_grad, double(world.size()));
    std::printf("sharded %s head, rank %d classes [%lld, %lld): loss %.17g vs %.17g, max |dW| diff %.1e, |dE| %.1e\n",
                kind, world.rank(), (long long)b, (long long)end, loss.item(), ref_loss.item(), dw, de);
    CHECK(dw < 1e-12);
    CHECK(de < 1e-12);
  }
  // The checkpoint form: the shards gathered are the whole head, and split again they are the shards.
  auto [b, end] = train::head_shard(C, world.rank(), world.size());
  models::MarginHead whole(E, C, "arcface", 64.0, 0.5, 5), shard(E, C, "arcface", 64.0, 0.5, 5, b, end);
  Tensor gathered = train::gather_head_rows(world, shard.named_parameters()[0].second, C);
  CHECK(gathered.to_vector<float>() == whole.named_parameters()[0].second.to_vector<float>());
  CHECK(train::shard_rows(gathered, world.rank(), world.size()).to_vector<float>() ==
        shard.named_parameters()[0].second.to_vector<float>());
}

TEST_CASE("finalize", "[dist]") { dist::finalize_world(); }
