#include "models/layers.h"

#include "kernels/activation/activation.h"
#include "kernels/matmul/matmul.h"
#include "models/init.h"

namespace kd::models {

Conv2d::Conv2d(int64_t cin, int64_t cout, int64_t k, int64_t stride, int64_t padding, int64_t groups, Generator& g)
    : w_(register_parameter("weight", default_weight({cout, cin / groups, k, k}, g))),
      p_{int(stride), int(padding), int(groups)} {
  KD_CHECK(groups >= 1 && cin % groups == 0 && cout % groups == 0, "Conv2d: channels ", cin, " -> ", cout,
           " are not divisible by groups = ", groups);
}

Tensor Conv2d::forward(const Tensor& x) const { return conv2d(x, w_, Tensor(), p_); }

Linear::Linear(int64_t in, int64_t out, Generator& g)
    : w_(register_parameter("weight", default_weight({out, in}, g))),
      b_(register_parameter("bias", default_bias(out, in, g))) {}

Tensor Linear::forward(const Tensor& x) const { return linear(x, w_, b_); }

PReLU::PReLU(int64_t c) : a_(register_parameter("weight", Tensor::full({c}, 0.25))) {}

Tensor PReLU::forward(const Tensor& x) const { return prelu(x, a_); }

}  // namespace kd::models
