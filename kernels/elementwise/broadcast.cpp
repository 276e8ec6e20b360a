#include "kernels/elementwise/broadcast.h"

#include "engine/check.h"

namespace kd {

Shape broadcast_shape(const Shape& a, const Shape& b, const char* op) {
  const char* rule = " cannot be broadcast (same rank, each dimension equal or 1 on one side)";
  KD_CHECK(a.size() == b.size(), op, ": shapes ", shape_str(a), " and ", shape_str(b), rule);
  Shape out(a.size());
  for (size_t k = 0; k < a.size(); ++k) {
    KD_CHECK(a[k] == b[k] || a[k] == 1 || b[k] == 1, op, ": shapes ", shape_str(a), " and ", shape_str(b), rule,
             "; dimension ", k, " is ", a[k], " vs ", b[k]);
    out[k] = a[k] == 1 ? b[k] : a[k];
  }
  return out;
}

BroadcastDims collapse_broadcast(const Shape& out, const Shape& a, const Shape& b) {
  // Group consecutive output dimensions (size-1 ones dropped) by which operand broadcasts.
  std::vector<int64_t> size;
  std::vector<int> pattern;
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k] == 1) continue;
    int p = (a[k] == 1 ? 1 : 0) | (b[k] == 1 ? 2 : 0);
    if (!pattern.empty() && pattern.back() == p) {
      size.back() *= out[k];
    } else {
      size.push_back(out[k]);
      pattern.push_back(p);
    }
  }
  BroadcastDims d;
  if (size.empty()) {  // one element
    d.size = {1};
    d.s0 = d.s1 = {0};
    return d;
  }
  d.size = size;
  d.s0.assign(size.size(), 0);
  d.s1.assign(size.size(), 0);
  int64_t st0 = 1, st1 = 1;  // contiguous strides of a and b over the groups they span
  for (size_t g = size.size(); g-- > 0;) {
    if (!(pattern[g] & 1)) {
      d.s0[g] = st0;
      st0 *= size[g];
    }
    if (!(pattern[g] & 2)) {
      d.s1[g] = st1;
      st1 *= size[g];
    }
  }
  return d;
}

}  // namespace kd
