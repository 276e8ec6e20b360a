// Global and channel pooling. The max cases use inputs whose values are all distinct and
// 0.05 apart, so the finite-difference step never changes which element is the maximum.
#include <utility>

#include "kernels/pool/pool.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

Tensor distinct_values(const Shape& s, Generator& g, DType t) {
  Tensor x = Tensor::empty(s, DType::F64);
  double* p = x.data<double>();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) p[i] = 0.05 * double(i - n / 2) + 0.01;
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[int64_t(g.next_u64() % uint64_t(i + 1))]);
  return x.to(t);
}

std::vector<OpCase> pool_cases(const std::string& op, Tensor (*fn)(const Tensor&), bool is_max) {
  const std::pair<const char*, Shape> shapes[] = {
      {"n2_c3_h4_w5", {2, 3, 4, 5}}, {"n3_c8_h1_w1", {3, 8, 1, 1}}, {"n1_c4_h7_w3", {1, 4, 7, 3}}, {"n2_c1_h3_w3", {2, 1, 3, 3}}};
  std::vector<OpCase> v;
  for (const auto& [name, s] : shapes) {
    Shape shape = s;
    v.push_back(OpCase{op, op + "/" + name,
                       [shape, is_max](Generator& g, DType t) {
                         return std::vector<Tensor>{is_max ? distinct_values(shape, g, t) : Tensor::randn(shape, g, t)};
                       },
                       [fn](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in[0])}; }, {}});
  }
  return v;
}

}  // namespace

KD_OP_CASES(pool_cases("global_avg_pool", global_avg_pool, false));
KD_OP_CASES(pool_cases("global_max_pool", global_max_pool, true));
KD_OP_CASES(pool_cases("channel_mean", channel_mean, false));
KD_OP_CASES(pool_cases("channel_max", channel_max, true));
