#include "kernels/elementwise/elementwise.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/elementwise/elementwise_cpu.h"
#include "kernels/elementwise/elementwise_cuda.h"

namespace kd {
namespace {

Tensor binary(const char* name, const Tensor& a, const Tensor& b, BinaryOp op) {
  check_floating(a, name);
  check_same_dtype_device(a, b, name);
  const Shape out = broadcast_shape(a.shape(), b.shape(), name);
  const BroadcastDims d = collapse_broadcast(out, a.shape(), b.shape());
  Tensor y = Tensor::empty(out, a.dtype(), a.device());
  dispatch_float(a.dtype(), name, [&](auto t) {
    using T = decltype(t);
    on_device(a.device(), name, binary_forward_cpu<T>, binary_forward_cuda<T>, d, a.data<T>(), b.data<T>(),
              y.data<T>(), op);
  });
  // Only mul needs the operands for its backward.
  const bool is_mul = op == BinaryOp::Mul;
  autograd::record(name, {a, b}, {y},
                   [d, op, out, sa = a.shape(), sb = b.shape(), dtype = a.dtype(), dev = a.device(),
                    a = is_mul ? a.detach() : Tensor(),
                    b = is_mul ? b.detach() : Tensor(), name](const BackwardCtx& c) {
                     Tensor gy = c.gy[0].to(dtype);
                     Tensor ga, gb;
                     dispatch_float(dtype, name, [&](auto t) {
                       using T = decltype(t);
                       if (c.need[0]) {
                         if (op != BinaryOp::Mul && sa == out) {
                           ga = gy;  // the identity: no copy
                         } else {
                           ga = Tensor::empty(sa, dtype, dev);
                           on_device(dev, name, binary_backward_cpu<T>, binary_backward_cuda<T>, d, gy.data<T>(),
                                     b.defined() ? b.data<T>() : nullptr, T(1), ga.data<T>(), ga.numel());
                         }
                       }
                       if (c.need[1]) {
                         if (op == BinaryOp::Add && sb == out) {
                           gb = gy;
                         } else {
                           gb = Tensor::empty(sb, dtype, dev);
                           on_device(dev, name, binary_backward_cpu<T>, binary_backward_cuda<T>, d.swapped(),
                                     gy.data<T>(), a.defined() ? a.data<T>() : nullptr,
                                     T(op == BinaryOp::Sub ? -1 : 1), gb.data<T>(), gb.numel());
                         }
                       }
                     });
                     return std::vector<Tensor>{ga, gb};
                   });
  return y;
}

// y = alpha x + beta, differentiable in x.
Tensor affine(const char* name, const Tensor& x, double alpha, double beta) {
  check_floating(x, name);
  Tensor y = Tensor::empty_like(x);
  dispatch_float(x.dtype(), name, [&](auto t) {
    using T = decltype(t);
    on_device(x.device(), name, affine_cpu<T>, affine_cuda<T>, x.data<T>(), y.data<T>(), x.numel(), alpha, beta);
  });
  autograd::record(name, {x}, {y}, [alpha, dtype = x.dtype(), name](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(dtype);
    if (alpha == 1.0) return std::vector<Tensor>{gy};
    Tensor gx = Tensor::empty_like(gy);
    dispatch_float(dtype, name, [&](auto t) {
      using T = decltype(t);
      on_device(gy.device(), name, affine_cpu<T>, affine_cuda<T>, gy.data<T>(), gx.data<T>(), gy.numel(), alpha, 0.0);
    });
    return std::vector<Tensor>{gx};
  });
  return y;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary("add", a, b, BinaryOp::Add); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary("sub", a, b, BinaryOp::Sub); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary("mul", a, b, BinaryOp::Mul); }

Tensor scale(const Tensor& x, double s) { return affine("scale", x, s, 0.0); }
Tensor add_scalar(const Tensor& x, double s) { return affine("add_scalar", x, 1.0, s); }

Tensor square(const Tensor& x) {
  check_floating(x, "square");
  Tensor y = Tensor::empty_like(x);
  dispatch_float(x.dtype(), "square", [&](auto t) {
    using T = decltype(t);
    on_device(x.device(), "square", square_forward_cpu<T>, square_forward_cuda<T>, x.data<T>(), y.data<T>(),
              x.numel());
  });
  autograd::record("square", {x}, {y}, [x = x.detach()](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(x.dtype());
    Tensor gx = Tensor::empty_like(x);
    dispatch_float(x.dtype(), "square backward", [&](auto t) {
      using T = decltype(t);
      on_device(x.device(), "square backward", square_backward_cpu<T>, square_backward_cuda<T>, x.data<T>(),
                gy.data<T>(), gx.data<T>(), x.numel());
    });
    return std::vector<Tensor>{gx};
  });
  return y;
}

}  // namespace kd
