// add / sub / mul over the broadcast patterns that matter ((N,C,1,1) and (N,1,H,W) against
// (N,C,H,W), either side), the general fallback, and the scalar ops.
#include "kernels/elementwise/elementwise.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

struct Pair {
  const char* name;
  Shape a, b;
};

const Pair kPairs[] = {
    {"same", {2, 3, 4, 5}, {2, 3, 4, 5}},
    {"nchw_nc11", {2, 3, 4, 5}, {2, 3, 1, 1}},
    {"nchw_n1hw", {2, 3, 4, 5}, {2, 1, 4, 5}},
    {"nc11_nchw", {2, 3, 1, 1}, {2, 3, 4, 5}},
    {"n1hw_nchw", {2, 1, 4, 5}, {2, 3, 4, 5}},
    {"1c11_nchw", {1, 3, 1, 1}, {2, 3, 4, 5}},
    {"both_broadcast", {1, 3, 1, 5}, {4, 1, 6, 1}},
    {"rows_2d", {3, 4}, {1, 4}},
    {"scalar_like", {1, 1}, {3, 4}},
    // 1,100 gradient elements of 4 terms each: the thread-per-element gradient reduction
    {"rows_wide", {4, 1100}, {1, 1100}},
};

std::vector<OpCase> binary_cases(const std::string& op, Tensor (*fn)(const Tensor&, const Tensor&)) {
  std::vector<OpCase> v;
  for (const Pair& p : kPairs) {
    Shape a = p.a, b = p.b;
    v.push_back(OpCase{op, op + "/" + p.name,
                       [a, b](Generator& g, DType t) {
                         return std::vector<Tensor>{Tensor::randn(a, g, t), Tensor::randn(b, g, t)};
                       },
                       [fn](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in[0], in[1])}; }, {}});
  }
  return v;
}

OpCase unary_case(const std::string& op, const std::string& name, Shape s, Tensor (*fn)(const Tensor&)) {
  return OpCase{op, op + "/" + name, [s](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn(s, g, t)}; },
                [fn](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in[0])}; }, {}};
}

}  // namespace

KD_OP_CASES(binary_cases("add", add));
KD_OP_CASES(binary_cases("sub", sub));
KD_OP_CASES(binary_cases("mul", mul));
KD_OP_CASES({
    // a tensor used on both sides: the two gradients accumulate
    OpCase{"mul", "mul/self", [](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn({3, 7}, g, t)}; },
           [](const std::vector<Tensor>& in) { return std::vector<Tensor>{mul(in[0], in[0])}; }, {}},
    unary_case("scale", "2d", {5, 6}, [](const Tensor& x) { return scale(x, -2.5); }),
    unary_case("scale", "nchw", {2, 3, 4, 4}, [](const Tensor& x) { return scale(x, 0.5); }),
    unary_case("add_scalar", "2d", {5, 6}, [](const Tensor& x) { return add_scalar(x, 1.75); }),
    unary_case("square", "2d", {5, 6}, square),
    unary_case("square", "nchw", {2, 3, 4, 4}, square),
});
