#include "kernels/elementwise/elementwise.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/elementwise/elementwise_cpu.h"
#ifdef KDFACE_HAVE_CUDA
#include "kernels/elementwise/elementwise_cuda.h"
#endif

namespace kd {
namespace {

// CPU and CUDA have kernels; any other device is a clear error.
void check_device(const char* name, Device d) {
  if (!d.is_cpu() && !d.is_cuda()) no_device_kernel(name, d);
#ifndef KDFACE_HAVE_CUDA
  if (d.is_cuda()) no_device_kernel(name, d);
#endif
}

// The CPU kernel on the CPU, else the CUDA one: same arguments, so one call site each.
#ifdef KDFACE_HAVE_CUDA
#define KD_ON_DEVICE(dev, fn, ...) ((dev).is_cpu() ? fn##_cpu<T>(__VA_ARGS__) : fn##_cuda<T>(__VA_ARGS__))
#else
#define KD_ON_DEVICE(dev, fn, ...) fn##_cpu<T>(__VA_ARGS__)
#endif

Tensor binary(const char* name, const Tensor& a, const Tensor& b, BinaryOp op) {
  check_floating(a, name);
  check_same_dtype_device(a, b, name);
  const Shape out = broadcast_shape(a.shape(), b.shape(), name);
  check_device(name, a.device());
  const BroadcastDims d = collapse_broadcast(out, a.shape(), b.shape());
  Tensor y = Tensor::empty(out, a.dtype(), a.device());
  dispatch_float(a.dtype(), name, [&](auto t) {
    using T = decltype(t);
    KD_ON_DEVICE(a.device(), binary_forward, d, a.data<T>(), b.data<T>(), y.data<T>(), op);
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
                           KD_ON_DEVICE(dev, binary_backward, d, gy.data<T>(), b.defined() ? b.data<T>() : nullptr,
                                        T(1), ga.data<T>(), ga.numel());
                         }
                       }
                       if (c.need[1]) {
                         if (op == BinaryOp::Add && sb == out) {
                           gb = gy;
                         } else {
                           gb = Tensor::empty(sb, dtype, dev);
                           KD_ON_DEVICE(dev, binary_backward, d.swapped(), gy.data<T>(),
                                        a.defined() ? a.data<T>() : nullptr, T(op == BinaryOp::Sub ? -1 : 1),
                                        gb.data<T>(), gb.numel());
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
  check_device(name, x.device());
  Tensor y = Tensor::empty_like(x);
  dispatch_float(x.dtype(), name, [&](auto t) {
    using T = decltype(t);
    KD_ON_DEVICE(x.device(), affine, x.data<T>(), y.data<T>(), x.numel(), alpha, beta);
  });
  autograd::record(name, {x}, {y}, [alpha, dtype = x.dtype(), name](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(dtype);
    if (alpha == 1.0) return std::vector<Tensor>{gy};
    Tensor gx = Tensor::empty_like(gy);
    dispatch_float(dtype, name, [&](auto t) {
      using T = decltype(t);
      KD_ON_DEVICE(gy.device(), affine, gy.data<T>(), gx.data<T>(), gy.numel(), alpha, 0.0);
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
  check_device("square", x.device());
  Tensor y = Tensor::empty_like(x);
  dispatch_float(x.dtype(), "square", [&](auto t) {
    using T = decltype(t);
    KD_ON_DEVICE(x.device(), square_forward, x.data<T>(), y.data<T>(), x.numel());
  });
  autograd::record("square", {x}, {y}, [x = x.detach()](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(x.dtype());
    Tensor gx = Tensor::empty_like(x);
    dispatch_float(x.dtype(), "square backward", [&](auto t) {
      using T = decltype(t);
      KD_ON_DEVICE(x.device(), square_backward, x.data<T>(), gy.data<T>(), gx.data<T>(), x.numel());
    });
    return std::vector<Tensor>{gx};
  });
  return y;
}

}  // namespace kd
