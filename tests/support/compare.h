#pragma once
// Element-wise comparison with |a - b| <= atol + rtol * |b| (b is the reference); on failure
// the message lists the first mismatches with their flat index, so a reader sees the pattern.
#include <string>

#include "engine/tensor.h"

namespace kdtest {

struct Tolerance {
  double atol = 1e-4;
  double rtol = 1e-3;
};

// Returns "" when close, else a description (shape mismatch, count and first mismatches).
std::string compare(const kd::Tensor& actual, const kd::Tensor& expected, Tolerance tol, const std::string& what);

// Host copy as double, any floating dtype.
std::vector<double> as_doubles(const kd::Tensor& t);

}  // namespace kdtest
