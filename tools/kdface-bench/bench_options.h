#pragma once
// kdface-bench's command line: one mode per run (--embed, --train-step, --kernels), each
// printing one JSON line per measured case on stdout (progress and notes go to stderr).
#include <string>
#include <vector>

namespace kd::bench {

struct BenchOptions {
  std::string mode;        // "embed" | "train-step" | "kernels"
  std::string model;       // --embed NAME (preset or JSON config path)
  std::string teacher;     // --train-step TEACHER:STUDENT ("" when only a student trains)
  std::string student;     // --train-step STUDENT
  bool teacher_forward_only = false;  // --train-step TEACHER --forward-only: no-grad inference
  std::vector<std::string> cases;  // --cases for --kernels (empty: all)
  std::string device = "cuda";
  std::string precision = "fp32";  // fp32 | tf32 | bf16
  int64_t batch = 128;
  int64_t size = 112;
  int64_t classes = 10572;
  int warmup = 5;
  int iters = 20;
  bool flush_l2 = true;     // kernels: flush L2 between timed runs
  bool check = true;        // kernels: compare with the CPU before timing
  bool time = true;         // kernels: time the cases that pass (off: --check-only, the emulator's use)
  uint64_t seed = 1;
};

// Parses argv; throws kd::Error naming the option and what it expects.
BenchOptions parse_bench_options(int argc, char** argv);
const char* bench_usage();

}  // namespace kd::bench
