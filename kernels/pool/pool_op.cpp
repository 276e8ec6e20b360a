#include "kernels/pool/pool.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/pool/pool_cpu.h"
#include "kernels/pool/pool_cuda.h"

namespace kd {
namespace {

struct Dims {
  int64_t N, C, S;
};

Dims check_nchw(const Tensor& x, const char* op) {
  check_floating(x, op);
  KD_CHECK(x.dim() == 4, op, ": x must be (N, C, H, W), got shape ", shape_str(x.shape()));
  KD_CHECK(x.size(1) > 0 && x.size(2) * x.size(3) > 0, op, ": x has no channels or no pixels, shape ",
           shape_str(x.shape()));
  return {x.size(0), x.size(1), x.size(2) * x.size(3)};
}

// Global pooling keeps (N, C, 1, 1); channel pooling (N, 1, H, W).
Shape pooled_shape(const Tensor& x, bool over_channels) {
  return over_channels ? Shape{x.size(0), 1, x.size(2), x.size(3)} : Shape{x.size(0), x.size(1), 1, 1};
}

// Mean over S (global) or over C (channel): the backward needs only shapes.
template <class Fwd, class Bwd, class FwdCuda, class BwdCuda>
Tensor mean_pool(const char* op, const Tensor& x, bool over_channels, Fwd fwd, Bwd bwd, FwdCuda fwd_cuda,
                 BwdCuda bwd_cuda) {
  Dims d = check_nchw(x, op);
  Shape out_shape = pooled_shape(x, over_channels);
  const Device dev = x.device();
  Tensor y = Tensor::empty(out_shape, x.dtype(), dev);
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    on_device(dev, op, fwd, fwd_cuda, x.data<T>(), y.data<T>(), d.N, d.C, d.S);
  });
  autograd::record(op, {x}, {y}, [d, op, xs = x.shape(), dtype = x.dtype(), dev, bwd, bwd_cuda](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(dtype);
    Tensor gx = Tensor::empty(xs, dtype, dev);
    dispatch_float(dtype, op, [&](auto t) {
      using T = decltype(t);
      on_device(dev, op, bwd, bwd_cuda, gy.data<T>(), gx.data<T>(), d.N, d.C, d.S);
    });
    return std::vector<Tensor>{gx};
  });
  return y;
}

// The backward needs the index of the first maximum, kept as an int64 tensor.
template <class Fwd, class Bwd, class FwdCuda, class BwdCuda>
Tensor max_pool(const char* op, const Tensor& x, bool over_channels, Fwd fwd, Bwd bwd, FwdCuda fwd_cuda,
                BwdCuda bwd_cuda) {
  Dims d = check_nchw(x, op);
  Shape out_shape = pooled_shape(x, over_channels);
  const Device dev = x.device();
  Tensor y = Tensor::empty(out_shape, x.dtype(), dev);
  Tensor arg = Tensor::empty(out_shape, DType::I64, dev);
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    on_device(dev, op, fwd, fwd_cuda, x.data<T>(), y.data<T>(), arg.data<int64_t>(), d.N, d.C, d.S);
  });
  autograd::record(op, {x}, {y},
                   [d, op, arg, xs = x.shape(), dtype = x.dtype(), dev, bwd, bwd_cuda](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(dtype);
    Tensor gx = Tensor::empty(xs, dtype, dev);
    dispatch_float(dtype, op, [&](auto t) {
      using T = decltype(t);
      on_device(dev, op, bwd, bwd_cuda, gy.data<T>(), arg.data<int64_t>(), gx.data<T>(), d.N, d.C, d.S);
    });
    return std::vector<Tensor>{gx};
  });
  return y;
}

}  // namespace

// The kernels are passed as generic lambdas so one helper serves float and double.
#define KD_K(fn) [](auto... a) { fn(a...); }

Tensor global_avg_pool(const Tensor& x) {
  return mean_pool("global_avg_pool", x, false,
                   KD_K(global_avg_pool_forward_cpu), KD_K(global_avg_pool_backward_cpu),
                   KD_K(global_avg_pool_forward_cuda), KD_K(global_avg_pool_backward_cuda));
}

Tensor global_max_pool(const Tensor& x) {
  return max_pool("global_max_pool", x, false,
                  KD_K(global_max_pool_forward_cpu), KD_K(global_max_pool_backward_cpu),
                  KD_K(global_max_pool_forward_cuda), KD_K(global_max_pool_backward_cuda));
}

Tensor channel_mean(const Tensor& x) {
  return mean_pool("channel_mean", x, true,
                   KD_K(channel_mean_forward_cpu), KD_K(channel_mean_backward_cpu),
                   KD_K(channel_mean_forward_cuda), KD_K(channel_mean_backward_cuda));
}

Tensor channel_max(const Tensor& x) {
  return max_pool("channel_max", x, true,
                  KD_K(channel_max_forward_cpu), KD_K(channel_max_backward_cpu),
                  KD_K(channel_max_forward_cuda), KD_K(channel_max_backward_cuda));
}

#undef KD_K

}  // namespace kd
