// kdface-data bench-loader: images/s of the training loader for decode only, decode +
// degrade and decode + degrade + mask, as one JSON object (docs/benchmarks.md, "Loader").
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "data/loader.h"
#include "engine/check.h"
#include "tools/kdface-data/command.h"

using namespace kd::data;

namespace {

const char* kUsage =
    "kdface-data bench-loader --shards DIR [--batch 128] [--threads 2] [--prefetch 4] [--batches 40]\n"
    "                         [--lr] [--protocol paper] [--scales 2,4,8] [--mask-bank FILE]\n"
    "\n"
    "Times the loader over --batches batches (after one warm-up batch) and prints JSON with images/s:\n"
    "  decode                 decode + flip + normalise (hr only)\n"
    "  decode_degrade         + degradation to lr (with --lr; --protocol, one of --scales per sample)\n"
    "  decode_degrade_mask    + masked copy (with --lr and --mask-bank)\n"
    "Stages not asked for are null. images_per_cpu_s divides by the process's CPU time instead of wall\n"
    "time: on a shared machine it is the cost of the code, images_per_s what the run happened to get.";

std::vector<int> parse_scales(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      out.push_back(std::stoi(item));
    } catch (...) {
      KD_FAIL("--scales expects a comma-separated list of integers, got '", s, "'");
    }
  }
  KD_CHECK(!out.empty(), "--scales is empty");
  return out;
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct Rate {
  double wall = 0, per_cpu_second = 0;
};

// Wall-clock images/s, and images per CPU-second of the whole process: on a shared machine
// the second says what the code costs, the first what this run happened to get.
Rate images_per_second(const LoaderConfig& cfg, int64_t batches, int64_t& set_size) {
  Loader loader(cfg);
  set_size = loader.size();
  Batch b;
  int64_t epoch = 0;
  loader.start(epoch);
  KD_CHECK(loader.next(b), "bench-loader: the shard set has no full batch");  // warm-up
  int64_t images = 0;
  auto t0 = std::chrono::steady_clock::now();
  double c0 = cpu_seconds();
  for (int64_t k = 0; k < batches; ++k) {
    if (!loader.next(b)) {
      loader.start(++epoch);
      KD_CHECK(loader.next(b), "bench-loader: empty epoch");
    }
    images += b.hr.size(0);
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double c = cpu_seconds() - c0;
  return {double(images) / s, double(images) / c};
}

int run_bench_loader(const std::vector<std::string>& argv) {
  kd::tools::Args args(argv,
                       {"--shards", "--batch", "--threads", "--prefetch", "--batches", "--protocol", "--scales",
                        "--mask-bank"},
                       {"--lr"});
  KD_CHECK(args.positional().empty(), "bench-loader takes no positional arguments");
  LoaderConfig cfg;
  cfg.shards = args.get("--shards");
  cfg.batch = args.get_int_or("--batch", 128);
  cfg.threads = args.get_int_or("--threads", 2);
  cfg.prefetch = args.get_int_or("--prefetch", 4);
  cfg.seed = 1;
  cfg.degrade.protocol = args.get_or("--protocol", "paper");
  cfg.scales = parse_scales(args.get_or("--scales", cfg.degrade.protocol == "none" ? "1" : "2,4,8"));
  const int batches = args.get_int_or("--batches", 40);
  KD_CHECK(batches >= 1, "--batches must be >= 1, got ", batches);

  nlohmann::json rates = {{"decode", nullptr}, {"decode_degrade", nullptr}, {"decode_degrade_mask", nullptr}};
  nlohmann::json cpu_rates = rates;
  int64_t set_size = 0;
  auto measure = [&](const char* key) {
    Rate r = images_per_second(cfg, batches, set_size);
    rates[key] = std::round(r.wall);
    cpu_rates[key] = std::round(r.per_cpu_second);
  };
  measure("decode");
  if (args.flag("--lr")) {
    cfg.want_lr = true;
    measure("decode_degrade");
    if (args.has("--mask-bank")) {
      cfg.want_masked = true;
      cfg.mask_bank = args.get("--mask-bank");
      measure("decode_degrade_mask");
    }
  }
  nlohmann::json out = {{"images_per_s", rates},
                        {"images_per_cpu_s", cpu_rates},
                        {"batch", cfg.batch},
                        {"threads", cfg.threads},
                        {"prefetch", cfg.prefetch},
                        {"batches_timed", batches},
                        {"protocol", cfg.degrade.protocol},
                        {"degrade", degrade_spec_to_json(cfg.degrade)},
                        {"scales", cfg.scales},
                        {"shard_images", set_size},
                        {"image_size", 112}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace

// Registered by hand: KD_DATA_COMMAND cannot spell a hyphenated name.
static kd::tools::RegisterCommand bench_loader_registration(
    "bench-loader", kd::tools::Command{"time the training loader (decode, degrade, mask)", kUsage, run_bench_loader});
