// concat, reshape, flatten: pure data movement, so their gradients are permutations of gy.
#include "kernels/shape/shape_ops.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

OpCase concat_case(const std::string& name, std::vector<Shape> shapes, int64_t dim, std::vector<bool> diff = {}) {
  return OpCase{"concat", "concat/" + name,
                [shapes](Generator& g, DType t) {
                  std::vector<Tensor> v;
                  for (const Shape& s : shapes) v.push_back(Tensor::randn(s, g, t));
                  return v;
                },
                [dim](const std::vector<Tensor>& in) { return std::vector<Tensor>{concat(in, dim)}; }, diff};
}

}  // namespace

KD_OP_CASES({
    concat_case("channels_3", {{2, 3, 4, 4}, {2, 1, 4, 4}, {2, 5, 4, 4}}, 1),
    concat_case("batch", {{2, 3, 2, 2}, {1, 3, 2, 2}}, 0),
    concat_case("last_negative", {{3, 2}, {3, 5}}, -1),
    concat_case("one_constant", {{2, 2, 3}, {2, 4, 3}}, 1, {true, false}),
    concat_case("single", {{2, 3}}, 0),
    OpCase{"reshape", "reshape/infer",
           [](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn({2, 3, 4}, g, t)}; },
           [](const std::vector<Tensor>& in) { return std::vector<Tensor>{reshape(in[0], {4, -1})}; }, {}},
    OpCase{"reshape", "reshape/to_4d",
           [](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn({6, 10}, g, t)}; },
           [](const std::vector<Tensor>& in) { return std::vector<Tensor>{reshape(in[0], {3, 2, 5, 2})}; }, {}},
    OpCase{"flatten", "flatten/start1",
           [](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn({2, 3, 4, 5}, g, t)}; },
           [](const std::vector<Tensor>& in) { return std::vector<Tensor>{flatten(in[0], 1)}; }, {}},
    OpCase{"flatten", "flatten/start2",
           [](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn({2, 3, 4, 5}, g, t)}; },
           [](const std::vector<Tensor>& in) { return std::vector<Tensor>{flatten(in[0], 2)}; }, {}},
});
