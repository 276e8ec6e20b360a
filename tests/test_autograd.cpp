// The autograd core on its own, with two tiny ops defined here so this test does not depend
// on kernels/: topological order, accumulation for tensors used twice, no-grad scope,
// multi-output nodes, freed graphs.
#include <catch2/catch.hpp>

#include "engine/autograd.h"

using namespace kd;

namespace {

Tensor times(const Tensor& a, const Tensor& b) {  // elementwise, same shape
  Tensor y = Tensor::empty_like(a);
  for (int64_t i = 0; i < a.numel(); ++i) y.data<double>()[i] = a.data<double>()[i] * b.data<double>()[i];
  autograd::record("times", {a, b}, {y}, [a = a.detach(), b = b.detach()](const BackwardCtx& c) {
    Tensor da = Tensor::empty_like(a), db = Tensor::empty_like(b);
    for (int64_t i = 0; i < a.numel(); ++i) {
      da.data<double>()[i] = c.gy[0].data<double>()[i] * b.data<double>()[i];
      db.data<double>()[i] = c.gy[0].data<double>()[i] * a.data<double>()[i];
    }
    return std::vector<Tensor>{da, db};
  });
  return y;
}

// Two outputs: (sum, 2 * sum) of a vector.
std::pair<Tensor, Tensor> sums(const Tensor& x) {
  double s = 0;
  for (int64_t i = 0; i < x.numel(); ++i) s += x.data<double>()[i];
  Tensor a = Tensor::full({}, s, DType::F64), b = Tensor::full({}, 2 * s, DType::F64);
  autograd::record("sums", {x}, {a, b}, [n = x.shape()](const BackwardCtx& c) {
    double g = c.gy[0].item() + 2 * c.gy[1].item();
    return std::vector<Tensor>{Tensor::full(n, g, DType::F64)};
  });
  return {a, b};
}

}  // namespace

TEST_CASE("gradients accumulate for a tensor used twice", "[autograd]") {
  Tensor x = Tensor::from<double>({1, 2, 3}, {3}).requires_grad_();
  Tensor y = times(x, x);  // x^2: both inputs are x
  auto [s, s2] = sums(y);
  s.backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 4, 6});
  // A second backward (new graph) accumulates into .grad, as PyTorch does.
  auto [t, t2] = sums(times(x, x));
  t2.backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{6, 12, 18});
}

TEST_CASE("diamond graph is processed in topological order", "[autograd]") {
  Tensor x = Tensor::from<double>({1, 2}, {2}).requires_grad_();
  Tensor w = Tensor::from<double>({3, 5}, {2}).requires_grad_();
  Tensor a = times(x, w);
  Tensor b = times(a, a);  // (xw)^2
  Tensor c = times(a, b);  // (xw)^3
  auto [s, unused] = sums(c);
  s.backward();
  // d/dx (xw)^3 = 3 (xw)^2 w
  CHECK(x.grad().to_vector<double>() == std::vector<double>{3 * 9 * 3, 3 * 100 * 5});
  CHECK(w.grad().to_vector<double>() == std::vector<double>{3 * 9 * 1, 3 * 100 * 2});
}

TEST_CASE("only the used output of a multi-output node carries gradient", "[autograd]") {
  Tensor x = Tensor::from<double>({1, 1, 1}, {3}).requires_grad_();
  auto [a, b] = sums(x);
  b.backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 2, 2});
}

TEST_CASE("no-grad scope records nothing; a freed graph refuses a second pass", "[autograd]") {
  Tensor x = Tensor::from<double>({1, 2}, {2}).requires_grad_();
  {
    autograd::NoGradGuard ng;
    Tensor y = times(x, x);
    CHECK_FALSE(y.requires_grad());
  }
  Tensor y = times(x, x);
  auto [s, s2] = sums(y);
  s.backward();
  CHECK_THROWS_WITH(s.backward(), Catch::Contains("graph was freed"));
  Tensor z = Tensor::from<double>({1}, {1});
  CHECK_THROWS_WITH(z.backward(), Catch::Contains("does not require a gradient"));
}

TEST_CASE("retain_graph allows a second backward", "[autograd]") {
  Tensor x = Tensor::from<double>({3}, {1}).requires_grad_();
  auto [s, s2] = sums(times(x, x));
  s.backward(Tensor(), true);
  s.backward();
  CHECK(x.grad().item() == 12.0);
}
