// Whole-tensor and per-dimension sums and means.
#include "kernels/reduce/reduce.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

OpCase whole_case(const std::string& op, const std::string& name, Shape s, Tensor (*fn)(const Tensor&)) {
  return OpCase{op, op + "/" + name, [s](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn(s, g, t)}; },
                [fn](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in[0])}; }, {}};
}

OpCase dim_case(const std::string& op, Shape s, int64_t dim, bool keepdim) {
  bool is_mean = op == "mean_dim";
  std::string name = op + "/" + shape_str(s) + "_dim" + std::to_string(dim) + (keepdim ? "_keep" : "");
  return OpCase{op, name, [s](Generator& g, DType t) { return std::vector<Tensor>{Tensor::randn(s, g, t)}; },
                [dim, keepdim, is_mean](const std::vector<Tensor>& in) {
                  return std::vector<Tensor>{is_mean ? mean_dim(in[0], dim, keepdim) : sum_dim(in[0], dim, keepdim)};
                },
                {}};
}

}  // namespace

KD_OP_CASES({
    whole_case("sum", "2d", {5, 7}, sum),
    whole_case("sum", "nchw", {2, 3, 4, 5}, sum),
    whole_case("mean", "2d", {5, 7}, mean),
    whole_case("mean", "1d", {9}, mean),
    dim_case("sum_dim", {2, 3, 4}, 0, false),
    dim_case("sum_dim", {2, 3, 4}, 1, true),
    dim_case("sum_dim", {2, 3, 4}, -1, false),
    dim_case("sum_dim", {6}, 0, false),
    dim_case("mean_dim", {2, 3, 4}, 1, false),
    dim_case("mean_dim", {2, 3, 4}, -1, true),
    dim_case("mean_dim", {5, 3}, 0, true),
});
