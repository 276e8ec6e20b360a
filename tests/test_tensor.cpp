#include <catch2/catch.hpp>

#include "engine/tensor.h"

using namespace kd;

TEST_CASE("tensor creation, shapes and views", "[tensor]") {
  Tensor t = Tensor::zeros({2, 3, 4});
  CHECK(t.numel() == 24);
  CHECK(t.dim() == 3);
  CHECK(t.size(-1) == 4);
  CHECK(t.dtype() == DType::F32);
  CHECK(t.device().is_cpu());
  CHECK_THROWS_WITH(t.size(3), Catch::Contains("out of range"));

  Tensor v = t.view({6, -1});
  CHECK(v.shape() == Shape{6, 4});
  v.data<float>()[5] = 7.f;  // views share storage
  CHECK(t.data<float>()[5] == 7.f);
  CHECK_THROWS_WITH(t.view({5, 5}), Catch::Contains("does not match"));
  CHECK_THROWS_WITH(t.data<double>(), Catch::Contains("accessed as float64"));

  Tensor rows = Tensor::from<float>({0, 1, 2, 3, 4, 5}, {3, 2}).narrow0(1, 2);
  CHECK(rows.to_vector<float>() == std::vector<float>{2, 3, 4, 5});
}

TEST_CASE("dtype conversion, fill and item", "[tensor]") {
  Tensor a = Tensor::full({3}, 1.5, DType::F64);
  CHECK(a.to(DType::F32).to_vector<float>() == std::vector<float>{1.5f, 1.5f, 1.5f});
  Tensor b = Tensor::from<float>({3.25f}, {1}).to(DType::BF16);
  CHECK(b.dtype() == DType::BF16);
  CHECK(b.item() == 3.25);
  Tensor labels = Tensor::from<int64_t>({4, 2}, {2});
  CHECK(labels.to(DType::F32).to_vector<float>() == std::vector<float>{4, 2});
  CHECK_THROWS_WITH(Tensor::zeros({2}).item(), Catch::Contains("one element"));
}

TEST_CASE("clone is deep, detach shares", "[tensor]") {
  Generator g(3);
  Tensor x = Tensor::randn({4, 5}, g);
  Tensor c = x.clone(), d = x.detach();
  x.data<float>()[0] = 42.f;
  CHECK(c.data<float>()[0] != 42.f);
  CHECK(d.data<float>()[0] == 42.f);
}

TEST_CASE("generator is reproducible and its state restores exactly", "[rng]") {
  Generator a(7), b(7);
  for (int i = 0; i < 10; ++i) CHECK(a.next_u64() == b.next_u64());
  auto s = a.state();
  double x1 = a.normal();
  a.set_state(s);
  CHECK(a.normal() == x1);
  CHECK(mix64(1, 2) != mix64(2, 1));
  CHECK(uniform01(~0ULL) < 1.0f);
}

TEST_CASE("shape checks name the argument and both shapes", "[tensor]") {
  Tensor t = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH(check_shape(t, {2, 4}, "conv2d: weight"),
                    Catch::Contains("conv2d: weight") && Catch::Contains("[2, 4]") && Catch::Contains("[2, 3]"));
  CHECK_THROWS_WITH(check_dim(t, 4, "conv2d: x"), Catch::Contains("expected 4 dimensions"));
}
