#pragma once
#include <cstdint>

#include "engine/tensor.h"

namespace kd {

// Inverted dropout: element i is kept when uniform01(mix64(seed, i)) >= p and scaled by
// 1/(1-p). The mask is a pure function of (seed, i), so the CPU and CUDA agree and a run is
// reproducible from its seed. Not training (or p == 0): the identity.
Tensor dropout(const Tensor& x, double p, bool training, uint64_t seed);

}  // namespace kd
