#include "engine/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace kd {

int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace kd
