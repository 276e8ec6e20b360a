#pragma once
// Parameter-holding wrappers of the kernels/ ops, named as their nn.* counterparts so that a
// PyTorch state_dict maps one to one ("weight", "bias").
#include "engine/module.h"
#include "engine/rng.h"
#include "kernels/conv2d/conv2d.h"

namespace kd::models {

// nn.Conv2d(cin, cout, k, stride, padding, groups=groups, bias=False)
class Conv2d : public Module {
 public:
  Conv2d(int64_t cin, int64_t cout, int64_t k, int64_t stride, int64_t padding, int64_t groups, Generator& g);
  Tensor forward(const Tensor& x) const;
  const Tensor& weight() const { return w_; }  // (cout, cin/groups, k, k)
  const Conv2dParams& params() const { return p_; }

 private:
  Tensor w_;
  Conv2dParams p_;
};

// nn.Linear(in, out) with bias
class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, Generator& g);
  Tensor forward(const Tensor& x) const;  // (N, in) -> (N, out)

 private:
  Tensor w_;  // (out, in)
  Tensor b_;  // (out)
};

// nn.PReLU(c): one slope per channel, initialised to 0.25
class PReLU : public Module {
 public:
  explicit PReLU(int64_t c);
  Tensor forward(const Tensor& x) const;

 private:
  Tensor a_;  // (c)
};

}  // namespace kd::models
