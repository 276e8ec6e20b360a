#pragma once
// The tools' OpenMP threads sleep, rather than spin, while they wait for work. On a 2-core
// machine a spinning worker takes the CPU from the loader threads, from the main thread's
// serial autograd work and from OpenBLAS's own threads: +12 % to +30 % img/s on every pool
// recipe (tools/bench-train-recipes.sh), and 6.2 -> 36.6 faces/s for r18x at batch 1, where
// libgomp's spin and OpenBLAS's sched_yield took 75 % of the samples (docs/benchmarks.md).
//
// libgomp reads OMP_WAIT_POLICY once, in its constructor, from the environment libc set up
// before it, so neither main() nor the executable's preinit array can still change it: when
// the user has set neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT, the tool sets the policy and
// re-executes itself (/proc/self/exe, same arguments). A value the user exported is
// left alone; if the re-exec fails, the tool runs on with the default policy.
namespace kd::cli {

void ensure_passive_omp_wait(char** argv);

}  // namespace kd::cli
