#include "kernels/activation/activation.h"

#include <algorithm>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/activation/activation_cpu.h"
#include "kernels/activation/activation_cuda.h"

namespace kd {
namespace {

// gy where relu's output y is positive, else 0: the backward of relu and of add_relu.
Tensor relu_grad(const Tensor& y, const Tensor& gy_in, const char* what) {
  Tensor gy = gy_in.to(y.dtype());
  Tensor gx = Tensor::empty_like(y);
  dispatch_float(y.dtype(), what, [&](auto t) {
    using T = decltype(t);
    on_device(y.device(), what, relu_backward_cpu<T>, relu_backward_cuda<T>, y.data<T>(), gy.data<T>(), gx.data<T>(),
              y.numel());
  });
  return gx;
}

}  // namespace

Tensor relu(const Tensor& x) {
  check_floating(x, "relu: x");
  Tensor y = Tensor::empty_like(x);
  dispatch_float(x.dtype(), "relu", [&](auto t) {
    using T = decltype(t);
    on_device(x.device(), "relu", relu_forward_cpu<T>, relu_forward_cuda<T>, x.data<T>(), y.data<T>(), x.numel());
  });
  autograd::record("relu", {x}, {y}, [y = y.detach()](const BackwardCtx& c) {
    return std::vector<Tensor>{relu_grad(y, c.gy[0], "relu backward")};
  });
  return y;
}

Tensor add_relu(const Tensor& a, const Tensor& b) {
  check_floating(a, "add_relu: a");
  check_shape(b, a.shape(), "add_relu: b (must match a; no broadcasting)");
  check_same_dtype_device(a, b, "add_relu: a and b");
  Tensor y = Tensor::empty_like(a);
  dispatch_float(a.dtype(), "add_relu", [&](auto t) {
    using T = decltype(t);
    on_device(a.device(), "add_relu", add_relu_forward_cpu<T>, add_relu_forward_cuda<T>, a.data<T>(), b.data<T>(),
              y.data<T>(), a.numel());
  });
  // relu's backward on the output gives both gradients (d(a+b)/da = d(a+b)/db = 1).
  autograd::record("add_relu", {a, b}, {y}, [y = y.detach()](const BackwardCtx& c) {
    Tensor g = relu_grad(y, c.gy[0], "add_relu backward");
    // Separate tensors: the engine may accumulate into one input's gradient in place.
    return std::vector<Tensor>{c.need[0] ? g : Tensor(), c.need[1] ? (c.need[0] ? g.clone() : g) : Tensor()};
  });
  return y;
}

Tensor sigmoid(const Tensor& x) {
  check_floating(x, "sigmoid: x");
  Tensor y = Tensor::empty_like(x);
  dispatch_float(x.dtype(), "sigmoid", [&](auto t) {
    using T = decltype(t);
    on_device(x.device(), "sigmoid", sigmoid_forward_cpu<T>, sigmoid_forward_cuda<T>, x.data<T>(), y.data<T>(),
              x.numel());
  });
  autograd::record("sigmoid", {x}, {y}, [y = y.detach()](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(y.dtype());
    Tensor gx = Tensor::empty_like(y);
    dispatch_float(y.dtype(), "sigmoid backward", [&](auto t) {
      using T = decltype(t);
      on_device(y.device(), "sigmoid backward", sigmoid_backward_cpu<T>, sigmoid_backward_cuda<T>, y.data<T>(),
                gy.data<T>(), gx.data<T>(), y.numel());
    });
    return std::vector<Tensor>{gx};
  });
  return y;
}

Tensor prelu(const Tensor& x, const Tensor& a) {
  check_floating(x, "prelu: x");
  KD_CHECK(x.dim() >= 2, "prelu: x must be (N, C, ...) with at least 2 dimensions, got shape ", shape_str(x.shape()));
  const int64_t N = x.size(0), C = x.size(1), S = x.numel() / std::max<int64_t>(N * C, 1);
  check_shape(a, {C}, "prelu: slope a (one per channel of x)");
  check_same_dtype_device(x, a, "prelu: x and a");
  Tensor y = Tensor::empty_like(x);
  dispatch_float(x.dtype(), "prelu", [&](auto t) {
    using T = decltype(t);
    on_device(x.device(), "prelu", prelu_forward_cpu<T>, prelu_forward_cuda<T>, x.data<T>(), a.data<T>(), y.data<T>(),
              N, C, S);
  });
  autograd::record("prelu", {x, a}, {y}, [x = x.detach(), a = a.detach(), N, C, S](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(x.dtype());
    Tensor gx = c.need[0] ? Tensor::empty_like(x) : Tensor();
    Tensor da = c.need[1] ? Tensor::empty_like(a) : Tensor();
    dispatch_float(x.dtype(), "prelu backward", [&](auto t) {
      using T = decltype(t);
      T* gxp = gx.defined() ? gx.data<T>() : nullptr;
      T* dap = da.defined() ? da.data<T>() : nullptr;
      on_device(x.device(), "prelu backward", prelu_backward_cpu<T>, prelu_backward_cuda<T>, x.data<T>(), a.data<T>(),
                gy.data<T>(), gxp, dap, N, C, S);
    });
    return std::vector<Tensor>{gx, da};
  });
  return y;
}

}  // namespace kd
