#include "kernels/build_info.h"

namespace kd {

const char* kernels_build_info() {
  return "cuda="
#ifdef KDFACE_HAVE_CUDA
         "on"
#else
         "off"
#endif
         " blas="
#ifdef KDFACE_HAVE_BLAS
         "openblas"
#else
         "blocked"
#endif
         " openmp="
#ifdef _OPENMP
         "on";
#else
         "off";
#endif
}

}  // namespace kd
