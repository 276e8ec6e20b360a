#pragma once
// kdface-train's OpenMP threads sleep, rather than spin, while they wait for work: on a
// 2-core machine the spinning worker takes the CPU from the loader threads and from the main
// thread's serial autograd work: +12 % to +30 % img/s on every pool recipe, measured with
// tools/bench-train-recipes.sh on the 2-core VM (docs/benchmarks.md has the table).
//
// libgomp reads OMP_WAIT_POLICY once, in its constructor, from the environment libc set up
// before it, so neither main() nor the executable's preinit array can still change it: when
// the user has set neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT, kdface-train sets the policy
// and re-executes itself (/proc/self/exe, same arguments). A value the user exported is
// left alone; if the re-exec fails, training runs on with the default policy.
namespace kd::traintool {

void ensure_passive_omp_wait(char** argv);

}  // namespace kd::traintool
