#pragma once
// Shape logic of the broadcasting binary ops, shared by their CPU and CUDA kernels.
#include <cstdint>
#include <vector>

#include "engine/shape.h"

namespace kd {

// A broadcast of two same-rank operands against their output, with runs of dimensions that
// broadcast the same way merged: (N,C,H,W) op (N,C,1,1) becomes (N*C, H*W) with strides
// (1,1) and (1,0); (N,C,H,W) op (N,1,H,W) becomes (N, C, H*W). The output is contiguous
// over size; s0 and s1 are the element strides of the two operands (0 where broadcast).
struct BroadcastDims {
  std::vector<int64_t> size, s0, s1;
  BroadcastDims swapped() const { return {size, s1, s0}; }
};

// The output shape; throws naming the op and both shapes unless each dimension is equal or
// 1 on one side (same rank required).
Shape broadcast_shape(const Shape& a, const Shape& b, const char* op);
BroadcastDims collapse_broadcast(const Shape& out, const Shape& a, const Shape& b);

}  // namespace kd
