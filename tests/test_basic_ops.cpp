// Edge cases and error messages of the small ops (activation, batch norm, elementwise,
// pooling, shape, dropout, reduce) that the gradient and fixture tables do not reach.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/autograd.h"
#include "kernels/activation/activation.h"
#include "kernels/batchnorm/batchnorm.h"
#include "kernels/dropout/dropout.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/pool/pool.h"
#include "kernels/reduce/reduce.h"
#include "kernels/shape/shape_ops.h"
#include "tests/support/compare.h"
#include "tests/support/op_case.h"

using namespace kd;
using Catch::Contains;

namespace {

std::vector<double> iota(int64_t n, double start = 1) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = start + double(i);
  return v;
}

}  // namespace

// The gradient check runs in float64; this runs the same cases in float32 and compares, so
// the float instantiations of the kernels are exercised too.
TEST_CASE("float32 agrees with float64 on the small ops' cases", "[dtype]") {
  const std::vector<std::string> ops = {"batch_norm", "relu", "prelu", "sigmoid", "add", "sub", "mul", "scale",
                                        "add_scalar", "square", "global_avg_pool", "global_max_pool", "channel_mean",
                                        "channel_max", "concat", "reshape", "flatten", "dropout", "sum", "mean",
                                        "sum_dim", "mean_dim"};
  set_alloc_poison(true);
  int checked = 0;
  for (const kdtest::OpCase& c : kdtest::op_cases()) {
    if (std::find(ops.begin(), ops.end(), c.op) == ops.end()) continue;
    INFO(c.name);
    kdtest::RunResult f = kdtest::run_case(c, cpu(), DType::F32, 7), d = kdtest::run_case(c, cpu(), DType::F64, 7);
    REQUIRE(f.outputs.size() == d.outputs.size());
    for (size_t k = 0; k < f.outputs.size(); ++k)
      CHECK(kdtest::compare(f.outputs[k], d.outputs[k], {1e-4, 1e-4}, "output " + std::to_string(k)) == "");
    for (size_t i = 0; i < f.input_grads.size(); ++i)
      if (d.input_grads[i].defined())
        CHECK(kdtest::compare(f.input_grads[i], d.input_grads[i], {1e-4, 1e-4}, "grad " + std::to_string(i)) == "");
    ++checked;
  }
  set_alloc_poison(false);
  CHECK(checked >= 22);
}

TEST_CASE("broadcasting refuses incompatible shapes and names both", "[elementwise]") {
  Tensor a = Tensor::zeros({2, 3, 4, 5}), b = Tensor::zeros({2, 2, 4, 5}), c = Tensor::zeros({3, 4, 5});
  CHECK_THROWS_WITH(add(a, b), Contains("add") && Contains("[2, 3, 4, 5]") && Contains("[2, 2, 4, 5]"));
  CHECK_THROWS_WITH(mul(b, a), Contains("mul") && Contains("[2, 2, 4, 5]") && Contains("[2, 3, 4, 5]"));
  CHECK_THROWS_WITH(sub(a, c), Contains("sub") && Contains("[3, 4, 5]") && Contains("same rank"));
  CHECK_THROWS_WITH(add(a, Tensor::zeros({2, 3, 4, 5}, DType::F64)), Contains("dtype"));
}

TEST_CASE("broadcast values and summed gradients", "[elementwise]") {
  // (2, 3, 2) * (2, 1, 2) and (1, 3, 1) + (2, 1, 2) against a direct loop
  Tensor a = Tensor::from<double>(iota(12), {2, 3, 2}).requires_grad_();
  Tensor b = Tensor::from<double>({10, 20, 30, 40}, {2, 1, 2}).requires_grad_();
  Tensor y = mul(a, b);
  REQUIRE(y.shape() == Shape{2, 3, 2});
  auto yv = y.to_vector<double>();
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t w = 0; w < 2; ++w)
        CHECK(yv[size_t((n * 3 + c) * 2 + w)] == double((n * 3 + c) * 2 + w + 1) * double(10 * (n * 2 + w + 1)));
  sum(y).backward();
  // db[n, 0, w] = sum over c of a[n, c, w]
  CHECK(b.grad().to_vector<double>() == std::vector<double>{1 + 3 + 5, 2 + 4 + 6, 7 + 9 + 11, 8 + 10 + 12});
  CHECK(a.grad().to_vector<double>() == std::vector<double>{10, 20, 10, 20, 10, 20, 30, 40, 30, 40, 30, 40});

  Tensor p = Tensor::from<double>({1, 2, 3}, {1, 3, 1}).requires_grad_();
  Tensor q = Tensor::from<double>({100, 200, 300, 400}, {2, 1, 2}).requires_grad_();
  Tensor z = sub(p, q);
  REQUIRE(z.shape() == Shape{2, 3, 2});
  CHECK(z.to_vector<double>() ==
        std::vector<double>{-99, -199, -98, -198, -97, -197, -299, -399, -298, -398, -297, -397});
  sum(z).backward();
  CHECK(p.grad().to_vector<double>() == std::vector<double>{4, 4, 4});
  CHECK(q.grad().to_vector<double>() == std::vector<double>{-3, -3, -3, -3});
}

TEST_CASE("large broadcasts (threaded paths) match a direct loop", "[elementwise]") {
  const int64_t N = 8, C = 64, H = 16, W = 16;
  Generator g(3);
  for (Shape bs : {Shape{N, C, 1, 1}, Shape{N, 1, H, W}, Shape{1, C, 1, 1}, Shape{N, C, H, W}}) {
    INFO(shape_str(bs));
    Tensor a = Tensor::randn({N, C, H, W}, g, DType::F64).requires_grad_();
    Tensor b = Tensor::randn(bs, g, DType::F64).requires_grad_();
    Tensor gy = Tensor::randn({N, C, H, W}, g, DType::F64);
    Tensor y = mul(a, b);
    y.backward(gy);
    const double *pa = a.data<double>(), *pb = b.data<double>(), *py = y.data<double>(), *pg = gy.data<double>();
    std::vector<double> da(size_t(a.numel()), 0.0), db(size_t(b.numel()), 0.0);
    double worst = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t w = 0; w < W; ++w) {
            int64_t i = ((n * C + c) * H + h) * W + w;
            int64_t j = (((bs[0] > 1 ? n : 0) * bs[1] + (bs[1] > 1 ? c : 0)) * bs[2] + (bs[2] > 1 ? h : 0)) * bs[3] +
                        (bs[3] > 1 ? w : 0);
            worst = std::max(worst, std::fabs(py[i] - pa[i] * pb[j]));
            da[size_t(i)] = pg[i] * pb[j];
            db[size_t(j)] += pg[i] * pa[i];
          }
    CHECK(worst == 0.0);
    auto ga = a.grad().to_vector<double>(), gb = b.grad().to_vector<double>();
    double ea = 0, eb = 0;
    for (size_t i = 0; i < da.size(); ++i) ea = std::max(ea, std::fabs(ga[i] - da[i]));
    for (size_t j = 0; j < db.size(); ++j) eb = std::max(eb, std::fabs(gb[j] - db[j]));
    CHECK(ea == 0.0);
    CHECK(eb < 1e-9);
  }
}

TEST_CASE("dropout keeps about 1 - p, reproducibly from the seed", "[dropout]") {
  const int64_t n = 100000;
  const double p = 0.3;
  Tensor x = Tensor::ones({n});
  Tensor y = dropout(x, p, true, 42);
  auto v = y.to_vector<float>();
  int64_t kept = 0;
  for (float e : v) {
    if (e != 0) {
      ++kept;
      CHECK(e == Approx(1.0 / (1.0 - p)));
    }
  }
  CHECK(double(kept) / double(n) == Approx(1 - p).margin(0.01));
  CHECK(dropout(x, p, true, 42).to_vector<float>() == v);
  CHECK(dropout(x, p, true, 43).to_vector<float>() != v);

  // The gradient uses the same mask.
  Tensor xs = Tensor::ones({1000}, DType::F64).requires_grad_();
  Tensor ys = dropout(xs, p, true, 5);
  sum(ys).backward();
  CHECK(xs.grad().to_vector<double>() == ys.to_vector<double>());

  Tensor e = dropout(x, p, false, 42);
  CHECK(e.to_vector<float>() == x.to_vector<float>());
  CHECK(dropout(x, 0.0, true, 42).to_vector<float>() == x.to_vector<float>());
  CHECK_THROWS_WITH(dropout(x, 1.0, true, 1), Contains("dropout: p must be in [0, 1)"));
  CHECK_THROWS_WITH(dropout(x, -0.1, false, 1), Contains("dropout: p must be in [0, 1)"));
}

TEST_CASE("batch_norm updates the running buffers with the unbiased variance", "[batchnorm]") {
  // One channel, x = 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3.
  Tensor x = Tensor::from<double>({1, 2, 3, 4}, {4, 1});
  Tensor gamma = Tensor::from<double>({2}, {1}), beta = Tensor::from<double>({0.5}, {1});
  Tensor rm = Tensor::from<double>({0}, {1}), rv = Tensor::from<double>({1}, {1});
  Tensor y = batch_norm(x, gamma, beta, rm, rv, true, 0.1, 1e-5);
  CHECK(rm.item() == Approx(0.25).epsilon(1e-12));
  CHECK(rv.item() == Approx(0.9 + 0.1 * 5.0 / 3.0).epsilon(1e-12));
  auto yv = y.to_vector<double>();
  for (int i = 0; i < 4; ++i) CHECK(yv[size_t(i)] == Approx((i + 1 - 2.5) / std::sqrt(1.25 + 1e-5) * 2 + 0.5));

  // Evaluation reads the buffers and leaves them alone.
  Tensor ye = batch_norm(x, gamma, beta, rm, rv, false, 0.1, 1e-5);
  CHECK(rm.item() == Approx(0.25).epsilon(1e-12));
  CHECK(ye.to_vector<double>()[0] == Approx((1 - 0.25) / std::sqrt(rv.item() + 1e-5) * 2 + 0.5));

  // A single value per channel has no variance to estimate.
  CHECK_THROWS_WITH(batch_norm(Tensor::ones({1, 3}, DType::F64), Tensor::ones({3}, DType::F64),
                               Tensor::zeros({3}, DType::F64), Tensor::zeros({3}, DType::F64),
                               Tensor::ones({3}, DType::F64), true),
                    Contains("more than 1 value per channel"));
  CHECK_THROWS_WITH(batch_norm(x, Tensor::ones({2}, DType::F64), beta, rm, rv, true),
                    Contains("gamma") && Contains("[1]") && Contains("[2]"));
}

TEST_CASE("concat names the mismatching input and its shape", "[shape]") {
  Tensor a = Tensor::zeros({2, 3}), b = Tensor::zeros({2, 5}), c = Tensor::zeros({3, 3});
  CHECK(concat({a, b}, 1).shape() == Shape{2, 8});
  CHECK(concat({a, c}, 0).shape() == Shape{5, 3});
  CHECK_THROWS_WITH(concat({a, b, c}, 1), Contains("input 2") && Contains("[3, 3]") && Contains("[2, 3]"));
  CHECK_THROWS_WITH(concat({a, Tensor::zeros({2, 3, 1})}, 0), Contains("input 1") && Contains("[2, 3, 1]"));
  CHECK_THROWS_WITH(concat({a, b}, 2), Contains("dim 2 out of range"));
  CHECK_THROWS_WITH(concat({}, 0), Contains("no inputs"));
  // Values: columns of a then b along the last dimension.
  Tensor p = Tensor::from<double>({1, 2, 3, 4}, {2, 2}), q = Tensor::from<double>({5, 6}, {2, 1});
  CHECK(concat({p, q}, -1).to_vector<double>() == std::vector<double>{1, 2, 5, 3, 4, 6});
}

TEST_CASE("reshape and flatten share storage and check sizes", "[shape]") {
  Tensor x = Tensor::from<double>(iota(24), {2, 3, 4}).requires_grad_();
  Tensor y = reshape(x, {-1, 6});
  CHECK(y.shape() == Shape{4, 6});
  CHECK(y.raw_data() == x.raw_data());
  CHECK(flatten(x).shape() == Shape{2, 12});
  CHECK(flatten(x, 0).shape() == Shape{24});
  CHECK(flatten(x, -1).shape() == Shape{2, 3, 4});
  sum(mul(y, y)).backward();
  CHECK(x.grad().shape() == Shape{2, 3, 4});
  CHECK(x.grad().to_vector<double>()[5] == 12.0);
  CHECK_THROWS_WITH(reshape(x, {5, -1}), Contains("reshape") && Contains("[2, 3, 4]"));
  CHECK_THROWS_WITH(reshape(x, {-1, -1}), Contains("reshape"));
}

TEST_CASE("max pooling sends the gradient to the first maximum", "[pool]") {
  Tensor x = Tensor::from<double>({1, 3, 3, 2}, {1, 1, 2, 2}).requires_grad_();
  sum(global_max_pool(x)).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 1, 0, 0});

  // (1, 3, 1, 2): per pixel, channels {5, 5, 1} and {0, 7, 7}
  Tensor z = Tensor::from<double>({5, 0, 5, 7, 1, 7}, {1, 3, 1, 2}).requires_grad_();
  Tensor m = channel_max(z);
  CHECK(m.to_vector<double>() == std::vector<double>{5, 7});
  sum(m).backward();
  CHECK(z.grad().to_vector<double>() == std::vector<double>{1, 0, 0, 1, 0, 0});
  CHECK_THROWS_WITH(channel_mean(Tensor::zeros({2, 3})), Contains("channel_mean") && Contains("[2, 3]"));

  // A NaN wins, as in PyTorch, and takes the gradient.
  Tensor n = Tensor::from<double>({1, NAN, 5, 2, 7, 1, 0, 3, 2}, {1, 1, 3, 3}).requires_grad_();
  Tensor mn = global_max_pool(n);
  CHECK(std::isnan(mn.item()));
  sum(mn).backward();
  CHECK(n.grad().to_vector<double>()[1] == 1.0);
  Tensor big = Tensor::from<double>(iota(40), {1, 1, 5, 8});
  CHECK(global_max_pool(big).item() == 40.0);
}

TEST_CASE("reductions over an empty extent", "[reduce]") {
  Tensor x = Tensor::zeros({2, 0, 3});
  Tensor s = sum_dim(x, 1);
  CHECK(s.shape() == Shape{2, 3});
  CHECK(s.to_vector<float>() == std::vector<float>(6, 0.0f));
  Tensor m = mean_dim(x, 1, true);
  CHECK(m.shape() == Shape{2, 1, 3});
  for (float v : m.to_vector<float>()) CHECK(std::isnan(v));
  CHECK(sum(x).item() == 0.0);
  CHECK(std::isnan(mean(x).item()));
  CHECK(sum_dim(x, 0).shape() == Shape{0, 3});
  CHECK(sum(Tensor::ones({3, 4})).shape().empty());
  CHECK(mean_dim(Tensor::from<double>(iota(6), {2, 3}), -1).to_vector<double>() == std::vector<double>{2, 5});
  CHECK_THROWS_WITH(sum_dim(x, 3), Contains("sum_dim") && Contains("out of range"));
}

TEST_CASE("prelu checks the slope shape", "[activation]") {
  CHECK_THROWS_WITH(prelu(Tensor::zeros({2, 3, 4}), Tensor::zeros({4})), Contains("prelu") && Contains("[3]"));
  CHECK_THROWS_WITH(prelu(Tensor::zeros({3}), Tensor::zeros({3})), Contains("at least 2"));
}
