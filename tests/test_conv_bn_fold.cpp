// Inference folding: conv -> BatchNorm (-> ReLU) as one convolution with a ReLU epilogue must
// give what the three ops give, for every conv shape the models use; training is untouched.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/autograd.h"
#include "kernels/activation/activation.h"
#include "kernels/batchnorm/batchnorm.h"
#include "kernels/batchnorm/bn_fold.h"
#include "kernels/conv2d/conv2d.h"
#include "models/conv_bn.h"
#include "models/resnext_cbam.h"

using namespace kd;

namespace {

double max_rel(const Tensor& a, const Tensor& b) {
  auto x = a.to(DType::F64).to_vector<double>(), y = b.to(DType::F64).to_vector<double>();
  REQUIRE(x.size() == y.size());
  double scale = 0, w = 0;
  for (double v : y) scale = std::max(scale, std::fabs(v));
  for (size_t i = 0; i < x.size(); ++i) w = std::max(w, std::fabs(x[i] - y[i]));
  return w / std::max(scale, 1e-30);
}

// Non-trivial running statistics, so the fold has something to fold.
void randomise_bn(models::BatchNorm& bn, Generator& g) {
  for (auto& [name, t] : bn.named_parameters()) t.detach().copy_from(Tensor::uniform(t.shape(), g, 0.5, 1.5));
  for (auto& [name, t] : bn.named_buffers())
    if (is_floating(t.dtype())) t.copy_from(Tensor::uniform(t.shape(), g, name == "running_var" ? 0.2 : -0.5, 1.0));
}

}  // namespace

TEST_CASE("fold_batch_norm gives BN(conv(x) + bias) as one convolution", "[fold]") {
  Generator g(5);
  for (DType dt : {DType::F64, DType::F32}) {
    Tensor x = Tensor::randn({2, 8, 9, 7}, g).to(dt), w = Tensor::randn({12, 4, 3, 3}, g).to(dt);
    Tensor bias = Tensor::randn({12}, g).to(dt), gamma = Tensor::uniform({12}, g, 0.5, 2).to(dt);
    Tensor beta = Tensor::randn({12}, g).to(dt), mean = Tensor::randn({12}, g).to(dt);
    Tensor var = Tensor::uniform({12}, g, 0.1, 3).to(dt);
    autograd::NoGradGuard ng;
    Conv2dParams p{2, 1, 2};
    Tensor ref = batch_norm(conv2d(x, w, bias, p), gamma, beta, mean, var, false, 0.1, 1e-5);
    FoldedConv f = fold_batch_norm(w, bias, gamma, beta, mean, var, 1e-5);
    CHECK(max_rel(conv2d(x, f.w, f.b, p), ref) < (dt == DType::F64 ? 1e-13 : 1e-5));
    p.relu = true;
    CHECK(max_rel(conv2d(x, f.w, f.b, p), relu(ref)) < (dt == DType::F64 ? 1e-13 : 1e-5));
  }
}

TEST_CASE("the ReLU epilogue covers every conv path and refuses to run while recording", "[fold]") {
  Generator g(6);
  autograd::NoGradGuard ng;
  struct Shape4 {
    int64_t n, c, h, o, k;
    Conv2dParams p;
  };
  // dense 3x3, pointwise, grouped, depthwise, batch of one (inner split), stride 2
  for (Shape4 s : {Shape4{3, 6, 8, 10, 3, {1, 1, 1}}, Shape4{3, 6, 8, 10, 1, {1, 0, 1}},
                   Shape4{3, 8, 8, 8, 3, {1, 1, 4}}, Shape4{3, 8, 8, 8, 3, {1, 1, 8}},
                   Shape4{1, 6, 8, 10, 3, {2, 1, 1}}}) {
    Tensor x = Tensor::randn({s.n, s.c, s.h, s.h}, g), w = Tensor::randn({s.o, s.c / s.p.groups, s.k, s.k}, g);
    Tensor b = Tensor::randn({s.o}, g);
    Conv2dParams pr = s.p;
    pr.relu = true;
    INFO("groups " << s.p.groups << " k " << s.k << " n " << s.n);
    CHECK(max_rel(conv2d(x, w, b, pr), relu(conv2d(x, w, b, s.p))) == 0.0);
    CHECK(max_rel(conv2d(x, w, Tensor(), pr), relu(conv2d(x, w, Tensor(), s.p))) == 0.0);
  }
  autograd::set_grad_enabled(true);
  Tensor x = Tensor::randn({1, 2, 4, 4}, g).requires_grad_(true), w = Tensor::randn({2, 2, 1, 1}, g);
  Conv2dParams pr;
  pr.relu = true;
  try {
    conv2d(x, w, Tensor(), pr);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("relu epilogue is for inference") != std::string::npos);
  }
  autograd::set_grad_enabled(false);
}

TEST_CASE("a whole model folds in inference and not in training or while recording", "[fold]") {
  REQUIRE(models::fold_bn_enabled());
  models::ResNeXtCBAM net(models::ResNeXtConfig::preset("tiny"), 3);
  Generator g(8);
  // Training-mode forwards give the BatchNorms real running statistics.
  for (int i = 0; i < 3; ++i) net.forward(Tensor::randn({4, 3, 32, 32}, g));
  net.eval();
  Tensor x = Tensor::randn({3, 3, 32, 32}, g);
  Tensor unfused = net.forward(x).embedding.detach();  // recording on: the three-op path
  Tensor fused;
  {
    autograd::NoGradGuard ng;
    fused = net.forward(x).embedding;
  }
  INFO("max relative difference " << max_rel(fused, unfused));
  CHECK(max_rel(fused, unfused) < 1e-4);
  CHECK(max_rel(fused, unfused) > 0.0);  // a different computation did run
  // One layer with random statistics, folded with its ReLU, against bn(conv) then relu.
  models::Conv2d conv(4, 6, 3, 1, 1, 1, g);
  models::BatchNorm bn(6);
  randomise_bn(bn, g);
  bn.eval();
  Tensor xi = Tensor::randn({2, 4, 5, 5}, g);
  autograd::NoGradGuard ng;
  Tensor ref = relu(bn.forward(conv.forward(xi)));
  CHECK(max_rel(models::conv_bn(conv, bn, xi, true), ref) < 1e-5);
}

TEST_CASE("a fold cache reuses the folds inside its scope and forgets them after", "[fold]") {
  Generator g(9);
  models::Conv2d conv(4, 6, 3, 1, 1, 1, g);
  models::BatchNorm bn(6);
  randomise_bn(bn, g);
  bn.eval();
  Tensor x = Tensor::randn({2, 4, 5, 5}, g);
  autograd::NoGradGuard ng;
  Tensor plain = models::conv_bn(conv, bn, x, true);
  Tensor first;
  {
    models::FoldCacheScope cache;
    first = models::conv_bn(conv, bn, x, true);
    CHECK(max_rel(first, plain) == 0.0);
    // Inside the scope the owner promised no change: a changed running mean is not seen...
    for (auto& [name, t] : bn.named_buffers())
      if (name == "running_mean") t.copy_from(Tensor::uniform({6}, g, 2.0, 3.0));
    CHECK(max_rel(models::conv_bn(conv, bn, x, true), first) == 0.0);
  }
  // ...and after it the change is folded in, as without a cache.
  Tensor after = models::conv_bn(conv, bn, x, true);
  CHECK(max_rel(after, first) > 1e-3);
  models::FoldCacheScope cache;
  CHECK(max_rel(models::conv_bn(conv, bn, x, true), after) == 0.0);
  bn.train();  // training mode never folds, so nothing is cached for it
  Tensor y = models::conv_bn(conv, bn, x, false);
  CHECK(y.shape() == Shape{2, 6, 5, 5});
}
