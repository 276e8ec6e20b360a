#include "tools/cli/omp_wait_policy.h"

#include <unistd.h>

#include <cstdlib>

namespace kd::cli {

void ensure_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  if (setenv("OMP_WAIT_POLICY", "passive", 0) != 0) return;
  execv("/proc/self/exe", argv);  // returns only on failure; the set variable stops a loop
}

}  // namespace kd::cli
