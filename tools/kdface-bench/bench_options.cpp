#include "tools/kdface-bench/bench_options.h"

#include <sstream>

#include "engine/check.h"

namespace kd::bench {
namespace {

int64_t to_int(const std::string& opt, const std::string& v, int64_t lo) {
  size_t used = 0;
  int64_t x = 0;
  try {
    x = std::stoll(v, &used);
  } catch (...) {
    used = 0;
  }
  KD_CHECK(used == v.size() && !v.empty(), opt, ": expected an integer, got '", v, "'");
  KD_CHECK(x >= lo, opt, ": expected an integer >= ", lo, ", got ", x);
  return x;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, sep)) out.push_back(part);
  return out;
}

void set_mode(BenchOptions& o, const std::string& m) {
  KD_CHECK(o.mode.empty(), "choose one of --embed, --train-step, --kernels (got --", o.mode, " and --", m, ")");
  o.mode = m;
}

}  // namespace

const char* bench_usage() {
  return "usage:\n"
         "  kdface-bench --embed tiny|r18x|r100x|CONFIG.json --size 112|32 --batch N --device cuda|cpu [--precision ...]\n"
         "  kdface-bench --train-step STUDENT | TEACHER:STUDENT [--forward-only] --batch 128 --precision fp32|tf32|bf16\n"
         "  kdface-bench --kernels [--cases gconv,cbam,kd,arcface] [--no-flush] [--no-check | --check-only]\n"
         "common: --device cuda|cpu (default cuda)  --warmup K (5)  --iters N (20, the median is reported)\n"
         "        --classes C (10572)  --seed S\n"
         "Every case prints one JSON line on stdout; compare only figures taken in one run on one device.\n";
}

BenchOptions parse_bench_options(int argc, char** argv) {
  BenchOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      KD_CHECK(i + 1 < argc, a, ": missing value");
      return argv[++i];
    };
    if (a == "--embed") {
      set_mode(o, "embed");
      o.model = value();
    } else if (a == "--train-step") {
      set_mode(o, "train-step");
      auto parts = split(value(), ':');
      KD_CHECK(parts.size() == 1 || parts.size() == 2, "--train-step: expected STUDENT or TEACHER:STUDENT, got '",
               a, "'");
      for (auto& p : parts) KD_CHECK(!p.empty(), "--train-step: empty model name");
      if (parts.size() == 2) o.teacher = parts[0];
      o.student = parts.back();
    } else if (a == "--forward-only") {
      o.teacher_forward_only = true;
    } else if (a == "--kernels") {
      set_mode(o, "kernels");
    } else if (a == "--cases") {
      o.cases = split(value(), ',');
    } else if (a == "--device") {
      o.device = value();
      KD_CHECK(o.device == "cuda" || o.device == "cpu", "--device: expected cuda or cpu, got '", o.device, "'");
    } else if (a == "--precision") {
      o.precision = value();
      KD_CHECK(o.precision == "fp32" || o.precision == "tf32" || o.precision == "bf16",
               "--precision: expected fp32, tf32 or bf16, got '", o.precision, "'");
    } else if (a == "--batch") {
      o.batch = to_int(a, value(), 1);
    } else if (a == "--size") {
      o.size = to_int(a, value(), 8);
    } else if (a == "--classes") {
      o.classes = to_int(a, value(), 2);
    } else if (a == "--warmup") {
      o.warmup = int(to_int(a, value(), 0));
    } else if (a == "--iters") {
      o.iters = int(to_int(a, value(), 1));
    } else if (a == "--seed") {
      o.seed = uint64_t(to_int(a, value(), 0));
    } else if (a == "--no-flush") {
      o.flush_l2 = false;
    } else if (a == "--no-check") {
      o.check = false;
    } else if (a == "--check-only") {
      o.time = false;
    } else {
      KD_FAIL("unknown option '", a, "'\n", bench_usage());
    }
  }
  KD_CHECK(!o.mode.empty(), "choose a mode\n", bench_usage());
  KD_CHECK(!o.teacher_forward_only || o.mode == "train-step", "--forward-only goes with --train-step MODEL");
  KD_CHECK(o.check || o.time, "--no-check and --check-only together leave nothing to do");
  if (o.mode == "kernels")
    for (auto& c : o.cases)
      KD_CHECK(c == "gconv" || c == "cbam" || c == "kd" || c == "arcface", "--cases: unknown case '", c,
               "' (expected gconv, cbam, kd, arcface)");
  return o;
}

}  // namespace kd::bench
