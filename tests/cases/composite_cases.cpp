// Gradient checks of the composed distillation losses: they catch a wrong composition even
// where every primitive is right. (CBAM has its own table, cbam_cases.cpp.)
#include <cmath>

#include "losses/kd_losses.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

Tensor sigmoid_data(const Shape& s, Generator& g, DType t) {  // values in (0, 1) like attention maps
  Tensor x = Tensor::randn(s, g, DType::F64);
  double* p = x.data<double>();
  for (int64_t i = 0; i < x.numel(); ++i) p[i] = 1.0 / (1.0 + std::exp(-p[i]));
  return x.to(t);
}

}  // namespace

KD_OP_CASES({
    OpCase{"kd_logit", "kd_logit/T4",
           [](Generator& g, DType t) {
             return std::vector<Tensor>{Tensor::randn({4, 9}, g, t, 3.0), Tensor::randn({4, 9}, g, t, 3.0)};
           },
           [](const std::vector<Tensor>& in) { return std::vector<Tensor>{losses::kd_logit(in[0], in[1], 4.0)}; },
           {true, false}},
    OpCase{"kd_attention", "kd_attention/two_stages",
           [](Generator& g, DType t) {
             return std::vector<Tensor>{sigmoid_data({3, 8, 1, 1}, g, t), sigmoid_data({3, 1, 4, 4}, g, t),
                                        sigmoid_data({3, 8, 1, 1}, g, t), sigmoid_data({3, 1, 4, 4}, g, t),
                                        sigmoid_data({3, 16, 1, 1}, g, t), sigmoid_data({3, 1, 2, 2}, g, t),
                                        sigmoid_data({3, 16, 1, 1}, g, t), sigmoid_data({3, 1, 2, 2}, g, t)};
           },
           [](const std::vector<Tensor>& in) {
             return std::vector<Tensor>{losses::kd_attention({{in[0], in[1]}, {in[4], in[5]}}, {{in[2], in[3]}, {in[6], in[7]}})};
           },
           {true, true, false, false, true, true, false, false}},
    OpCase{"kd_embedding", "kd_embedding/instance_relation",
           [](Generator& g, DType t) {
             return std::vector<Tensor>{Tensor::randn({5, 6}, g, t), Tensor::randn({5, 6}, g, t)};
           },
           [](const std::vector<Tensor>& in) {
             return std::vector<Tensor>{losses::kd_instance(in[0], in[1]), losses::kd_relation(in[0], in[1])};
           },
           {true, false}},
});
