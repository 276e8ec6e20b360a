#include "kernels/build_info.h"

#include <string>

#include "engine/cuda.h"

namespace kd {

const char* kernels_build_info() {
#ifdef KDFACE_HAVE_BLAS
  constexpr const char* blas = "openblas";
#else
  constexpr const char* blas = "blocked";
#endif
#ifdef _OPENMP
  constexpr const char* openmp = "on";
#else
  constexpr const char* openmp = "off";
#endif
  // Whether CUDA is built is the runtime's answer (engine/cuda.h), not a macro of this file.
  static const std::string info =
      std::string("cuda=") + (cuda::built() ? "on" : "off") + " blas=" + blas + " openmp=" + openmp;
  return info.c_str();
}

}  // namespace kd
