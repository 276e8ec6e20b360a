#pragma once
#include "engine/device.h"
#include "tools/kdface-bench/bench_options.h"

namespace kd::bench {

void run_embed(const BenchOptions& o, Device dev);
void run_train_step(const BenchOptions& o, Device dev);
void run_kernels(const BenchOptions& o, Device dev);

}  // namespace kd::bench
