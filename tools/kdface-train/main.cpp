// kdface-train --config FILE [--set key=value ...] --out RUN_DIR [--resume]
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "engine/check.h"
#include "engine/config.h"
#include "tools/cli/omp_wait_policy.h"
#include "train/data_parallel.h"
#include "train/trainer.h"

namespace {

const char* kUsage =
    "usage: kdface-train --config FILE --out RUN_DIR [--set key=value ...] [--resume]\n"
    "\n"
    "  --config FILE     a recipe (configs/*.json); the schema is in docs/training.md\n"
    "  --set key=value   override a config key by its dotted path, e.g. --set optim.lr=0.05\n"
    "                    --set data.batch=32 (the value is JSON; plain words are strings)\n"
    "  --out RUN_DIR     writes config.json (resolved), log.jsonl, checkpoints/\n"
    "  --resume          continue RUN_DIR from its newest complete checkpoint\n"
    "  --stop-after N    stop after step N as if killed (for resume tests)\n"
    "  --quiet           no progress line\n";

}  // namespace

int main(int argc, char** argv) {
  kd::cli::ensure_passive_omp_wait(argv);
  kd::train::divide_cores_among_local_ranks();
  std::string config, out;
  std::vector<std::string> sets;
  kd::train::RunOptions opt;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto value = [&]() -> std::string {
        KD_CHECK(i + 1 < argc, "option ", a, " needs a value");
        return argv[++i];
      };
      if (a == "--help" || a == "-h") {
        std::printf("%s", kUsage);
        return 0;
      } else if (a == "--config") {
        config = value();
      } else if (a == "--out") {
        opt.out_dir = value();
      } else if (a == "--set") {
        sets.push_back(value());
      } else if (a == "--resume") {
        opt.resume = true;
      } else if (a == "--quiet") {
        opt.quiet = true;
      } else if (a == "--stop-after") {
        opt.stop_after = std::stoll(value());
      } else {
        KD_FAIL("unknown option '", a, "'\n", kUsage);
      }
    }
    KD_CHECK(!config.empty(), "--config FILE is required\n", kUsage);
    KD_CHECK(!opt.out_dir.empty(), "--out RUN_DIR is required\n", kUsage);
    nlohmann::json cfg = kd::load_config(config);
    for (auto& s : sets) kd::apply_override(cfg, s);
    kd::train::TrainConfig tc = kd::train::parse_train_config(cfg, config);
    kd::train::RunSummary sum = kd::train::run_training(tc, opt);
    const bool lead = kd::dist::world().rank() == 0;
    kd::dist::world().barrier();  // sleeps while rank 0 finishes; MPI_Finalize would spin
    kd::dist::finalize_world();
    if (!lead) return 0;
    std::printf("kdface-train: %lld steps, last loss %.6f, last checkpoint %s", (long long)sum.steps, sum.last_loss,
                sum.last_checkpoint.c_str());
    if (sum.best_accuracy >= 0) std::printf(", best verification accuracy %.2f%%", 100.0 * sum.best_accuracy);
    std::printf("\n");
    return 0;
  } catch (const std::exception& e) {
    kd::dist::Communicator* w = kd::dist::existing_world();
    if (w && w->size() > 1) {
      std::fprintf(stderr, "kdface-train: rank %d of %d: error: %s\n", w->rank(), w->size(), e.what());
      std::fflush(stderr);
      w->abort(1);  // the other ranks stop now instead of waiting for this one
    }
    std::fprintf(stderr, "kdface-train: error: %s\n", e.what());
    return 1;
  }
}
