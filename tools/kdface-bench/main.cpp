// kdface-bench: model and kernel timings as JSON lines, to sit beside torch_reference.py's.
#include <cstdio>
#include <cstring>

#include "engine/check.h"
#include "engine/cuda.h"
#include "tools/cli/omp_wait_policy.h"
#include "tools/kdface-bench/bench_modes.h"

int main(int argc, char** argv) {
  kd::cli::ensure_passive_omp_wait(argv);
  using namespace kd::bench;
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(bench_usage(), stdout);
      return 0;
    }
  try {
    BenchOptions o = parse_bench_options(argc, argv);
    kd::Device dev = kd::cpu();
    if (o.device == "cuda") {
      KD_CHECK(kd::cuda::available(), "--device cuda: ", kd::cuda::unavailable_reason(), " (use --device cpu)");
      dev = kd::cuda_device(0);
    }
    if (o.mode == "embed") run_embed(o, dev);
    if (o.mode == "train-step") run_train_step(o, dev);
    if (o.mode == "kernels") run_kernels(o, dev);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kdface-bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
