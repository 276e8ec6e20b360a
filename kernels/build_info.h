#pragma once

namespace kd {

// "cuda=on blas=openblas openmp=on": what this build's kernels were compiled with.
const char* kernels_build_info();

}  // namespace kd
