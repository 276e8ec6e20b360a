#pragma once
// The dropout mask, shared by the CPU and CUDA kernels so both keep the same elements.
// The comparison is in double, as the public contract states it: keep iff
// uniform01(mix64(seed, i)) >= p.
#include <cstdint>

#include "engine/rng.h"

namespace kd {

KD_HD inline bool dropout_keep(uint64_t seed, int64_t i, double p) {
  return double(uniform01(mix64(seed, uint64_t(i)))) >= p;
}

}  // namespace kd
