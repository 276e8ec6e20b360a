#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/atomic_file.h"
#include "engine/checkpoint.h"
#include "engine/optim/sgd.h"
#include "engine/safetensors.h"

using namespace kd;
namespace fs = std::filesystem;

namespace {

struct Block : Module {
  explicit Block(Generator& g, int64_t n) {
    register_parameter("weight", Tensor::randn({n, 3}, g));
    register_buffer("running_mean", Tensor::randn({n}, g));
  }
};

struct Net : Module {
  explicit Net(Generator& g, int64_t n = 4) {
    register_parameter("scale", Tensor::randn({n}, g));
    register_module("block", std::make_shared<Block>(g, n));
  }
};

// A fresh directory per test, removed on exit.
struct TempDir {
  std::string path;
  explicit TempDir(const std::string& name)
      : path("/tmp/kdface_test_ck_" + name + "_" + std::to_string(::getpid())) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    ::chmod(path.c_str(), 0755);
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void give_grads(Module& m, int k) {
  for (auto& [name, p] : m.named_parameters()) {
    auto v = p.to_vector<float>();
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.01f * float(k) * float(i + 1) - 0.02f * v[i];
    p.set_grad(Tensor::from(v, p.shape()));
  }
}

SGDOptions sgd_opts() {
  SGDOptions o;
  o.lr = 0.1;
  o.momentum = 0.9;
  o.weight_decay = 5e-4;
  return o;
}

Checkpoint make_checkpoint(Net& net, SGD& opt, Generator& g) {
  Checkpoint ck;
  ck.model = net.state_dict();
  ck.optim = opt.state_dict();
  ck.step = 1234;
  ck.epoch = 7;
  ck.rng["data"] = g.state();
  ck.rng["edge"] = {~0ULL, 1ULL << 63, 0, 42};
  ck.meta = {{"config", {{"train", {{"lr", 0.1}, {"milestones", {10, 20}}}}}}, {"note", "ünïcode ok"}};
  return ck;
}

}  // namespace

TEST_CASE("checkpoint round trip restores model, optimiser, counters, RNG and metadata exactly", "[checkpoint]") {
  TempDir dir("roundtrip");
  Generator init(1);
  Net net(init);
  SGD opt(net.named_parameters(), sgd_opts());
  for (int k = 1; k <= 2; ++k) {
    give_grads(net, k);
    opt.step();
  }
  Generator data(77);
  for (int i = 0; i < 5; ++i) data.next_u64();
  const std::string path = checkpoint_path(dir.path, 1234);
  save_checkpoint(path, make_checkpoint(net, opt, data));
  std::vector<double> after_save;
  for (int i = 0; i < 6; ++i) after_save.push_back(i % 2 ? data.normal() : data.uniform());

  Checkpoint ck = load_checkpoint(path);
  CHECK(ck.source == path);
  CHECK(ck.step == 1234);
  CHECK(ck.epoch == 7);
  CHECK(ck.meta["config"]["train"]["milestones"] == nlohmann::json({10, 20}));
  CHECK(ck.meta["note"] == "ünïcode ok");
  CHECK(ck.rng.at("edge") == std::array<uint64_t, 4>{~0ULL, 1ULL << 63, 0, 42});
  CHECK(ck.optim.size() == 2);
  CHECK(ck.optim.count("momentum.block.weight"));

  Generator other(2);
  Net net2(other);
  SGD opt2(net2.named_parameters(), sgd_opts());
  ck.restore_model(net2);
  ck.restore_optimizer(opt2);
  Generator data2(999);
  ck.restore_rng("data", data2);
  std::vector<double> after_load;
  for (int i = 0; i < 6; ++i) after_load.push_back(i % 2 ? data2.normal() : data2.uniform());
  CHECK(after_load == after_save);

  for (auto& [name, t] : net.state_dict()) {
    INFO(name);
    CHECK(net2.state_dict().at(name).to_vector<float>() == t.to_vector<float>());
  }
  // The restored momentum makes the next step identical.
  give_grads(net, 3);
  opt.step();
  give_grads(net2, 3);
  opt2.step();
  for (auto& [name, t] : net.named_parameters()) {
    INFO(name);
    CHECK(net2.state_dict().at(name).to_vector<float>() == t.to_vector<float>());
  }
}

TEST_CASE("checkpoint errors name the file and the key", "[checkpoint]") {
  TempDir dir("errors");
  Generator g(3);
  Net net(g);
  SGD opt(net.named_parameters(), sgd_opts());
  give_grads(net, 1);
  opt.step();
  const std::string path = dir.path + "/ck.safetensors";
  save_checkpoint(path, make_checkpoint(net, opt, g));

  SECTION("truncated file") {
    std::string bytes = read_file(path);
    write_file_atomic(path, bytes.substr(0, bytes.size() - 17));
    CHECK_THROWS_WITH(load_checkpoint(path), Catch::Contains(path) && Catch::Contains("truncated"));
    write_file_atomic(path, bytes.substr(0, 6));
    CHECK_THROWS_WITH(load_checkpoint(path), Catch::Contains(path) && Catch::Contains("not a safetensors file"));
  }
  SECTION("model with a different shape") {
    Net wide(g, 5);
    CHECK_THROWS_WITH(load_checkpoint(path).restore_model(wide),
                      Catch::Contains(path) && Catch::Contains("'block.running_mean' has shape [4]") &&
                          Catch::Contains("expects [5]"));
  }
  SECTION("model with a key the checkpoint lacks") {
    struct Bigger : Net {
      explicit Bigger(Generator& g) : Net(g) { register_parameter("extra", Tensor::zeros({2})); }
    } big(g);
    CHECK_THROWS_WITH(load_checkpoint(path).restore_model(big),
                      Catch::Contains(path) && Catch::Contains("missing 'extra'"));
  }
  SECTION("optimiser for other parameters") {
    Tensor w = Tensor::zeros({4});
    w.requires_grad_(true);
    SGD other({{"head.weight", w}}, sgd_opts());
    CHECK_THROWS_WITH(load_checkpoint(path).restore_optimizer(other),
                      Catch::Contains(path) && Catch::Contains("names no parameter"));
  }
  SECTION("unknown RNG stream") {
    Generator x;
    CHECK_THROWS_WITH(load_checkpoint(path).restore_rng("augment", x),
                      Catch::Contains(path) && Catch::Contains("'augment'") && Catch::Contains("data, edge"));
  }
  SECTION("a plain safetensors file is not a checkpoint") {
    save_safetensors(path, {{"w", Tensor::zeros({2})}});
    CHECK_THROWS_WITH(load_checkpoint(path), Catch::Contains(path) && Catch::Contains("not a kdface checkpoint"));
  }
  SECTION("damaged metadata") {
    SafeTensors st = load_safetensors(path);
    st.metadata["step"] = "12x";
    save_safetensors(path, st.tensors, st.metadata);
    CHECK_THROWS_WITH(load_checkpoint(path), Catch::Contains(path) && Catch::Contains("'step'"));
    st.metadata["step"] = "12";
    st.metadata["rng"] = R"({"data": [1, 2, 3]})";
    save_safetensors(path, st.tensors, st.metadata);
    CHECK_THROWS_WITH(load_checkpoint(path), Catch::Contains(path) && Catch::Contains("rng.data"));
    st.metadata.erase("rng");
    save_safetensors(path, st.tensors, st.metadata);
    CHECK_THROWS_WITH(load_checkpoint(path), Catch::Contains(path) && Catch::Contains("'rng' is missing"));
  }
}

TEST_CASE("a failing save leaves the previous checkpoint intact", "[checkpoint]") {
  TempDir dir("atomic");
  Generator g(4);
  Net net(g);
  SGD opt(net.named_parameters(), sgd_opts());
  const std::string path = dir.path + "/ck.safetensors";
  Checkpoint first = make_checkpoint(net, opt, g);
  first.step = 1;
  save_checkpoint(path, first);
  Checkpoint second = make_checkpoint(net, opt, g);
  second.step = 2;
  second.model["big"] = Tensor::zeros({64, 1024});  // 256 KiB: larger than the size limit below

  auto still_first = [&] {
    CHECK(load_checkpoint(path).step == 1);
    for (auto& e : fs::directory_iterator(dir.path)) CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
  };

  SECTION("the temporary file cannot be created") {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    fs::create_directory(tmp);  // open(O_CREAT) of a directory fails, even for root
    CHECK_THROWS_WITH(save_checkpoint(path, second), Catch::Contains("cannot create"));
    fs::remove(tmp);
    still_first();
  }
  SECTION("the disk fills up mid-write") {
    // RLIMIT_FSIZE makes write() fail with EFBIG part-way, like a full disk.
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    rlimit small = old;
    small.rlim_cur = 64 * 1024;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    CHECK_THROWS_WITH(save_checkpoint(path, second), Catch::Contains("writing") && Catch::Contains("failed"));
    ::setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    still_first();
  }
  SECTION("the directory is not writable") {
    if (::geteuid() == 0) {
      WARN("running as root: permission bits do not stop writes, skipping this section");
    } else {
      ::chmod(dir.path.c_str(), 0555);
      CHECK_THROWS_WITH(save_checkpoint(path, second), Catch::Contains(dir.path));
      ::chmod(dir.path.c_str(), 0755);
      still_first();
    }
  }
}

TEST_CASE("a checkpoint holding NaN or infinity is refused and nothing is written", "[checkpoint]") {
  TempDir dir("nonfinite");
  Generator g(6);
  Net net(g);
  SGD opt(net.named_parameters(), sgd_opts());
  const std::string path = dir.path + "/ck.safetensors";
  Checkpoint good = make_checkpoint(net, opt, g);
  good.step = 1;
  save_checkpoint(path, good);
  for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    Checkpoint ck = make_checkpoint(net, opt, g);
    ck.step = 2;
    Tensor w = ck.model.at("block.weight").clone();
    w.data<float>()[5] = float(bad);
    ck.model["block.weight"] = w;
    CHECK_THROWS_WITH(save_checkpoint(path, ck),
                      Catch::Contains(path) && Catch::Contains("refusing to write step 2") &&
                          Catch::Contains("model tensor 'block.weight' element 5 is not finite"));
    CHECK(load_checkpoint(path).step == 1);
  }
  Checkpoint ck = make_checkpoint(net, opt, g);
  Tensor m = Tensor::zeros({3}, DType::F64);
  m.data<double>()[2] = std::nan("");
  ck.optim["momentum.x"] = m;
  CHECK_THROWS_WITH(save_checkpoint(path, ck), Catch::Contains("optimiser tensor 'momentum.x'"));
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("latest_checkpoint finds the newest complete checkpoint", "[checkpoint]") {
  TempDir dir("latest");
  CHECK(latest_checkpoint(dir.path).empty());
  CHECK(latest_checkpoint(dir.path + "/not_yet_created").empty());
  Generator g(5);
  Net net(g);
  SGD opt(net.named_parameters(), sgd_opts());
  Checkpoint ck = make_checkpoint(net, opt, g);
  for (int64_t step : {5, 100, 20}) {
    ck.step = step;
    save_checkpoint(checkpoint_path(dir.path, step), ck);
  }
  CHECK(checkpoint_path(dir.path, 20) == dir.path + "/ckpt_000000020.safetensors");
  ck.step = 300;
  save_checkpoint(checkpoint_path(dir.path, 300), ck);
  // A complete file left under a temporary name (a save killed before its rename) is ignored.
  fs::rename(checkpoint_path(dir.path, 300), checkpoint_path(dir.path, 300) + ".tmp.4242");
  // A truncated newer checkpoint (copied by hand, say) is skipped with its reason.
  ck.step = 200;
  save_checkpoint(checkpoint_path(dir.path, 200), ck);
  const std::string full = read_file(checkpoint_path(dir.path, 200));
  write_file_atomic(checkpoint_path(dir.path, 200), full.substr(0, full.size() - 100));
  save_safetensors(dir.path + "/weights.safetensors", {{"w", Tensor::zeros({2})}});
  write_file_atomic(dir.path + "/notes.txt", "hello");

  std::vector<std::string> skipped;
  CHECK(latest_checkpoint(dir.path, &skipped) == checkpoint_path(dir.path, 100));
  REQUIRE(skipped.size() == 2);
  std::sort(skipped.begin(), skipped.end());
  CHECK_THAT(skipped[0], Catch::Contains("ckpt_000000200") && Catch::Contains("truncated"));
  CHECK_THAT(skipped[1], Catch::Contains("weights.safetensors") && Catch::Contains("not a kdface checkpoint"));
  CHECK(load_checkpoint(latest_checkpoint(dir.path)).step == 100);
}
