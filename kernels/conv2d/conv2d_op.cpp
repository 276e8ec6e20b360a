// conv2d: argument checks, the choice of kernel (CPU; on CUDA native or cuDNN, see
// conv2d_backend.h) and the autograd record (dx, dw, dbias). Under bf16 autocast
// (kernels/precision/autocast.h) x, w and gy are rounded to bf16 values in float32 storage
// first; the output and the gradients stay float32, not rounded.
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/activation/activation_cuda.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/conv2d/conv2d_backend.h"
#include "kernels/conv2d/conv2d_cpu.h"
#include "kernels/conv2d/conv2d_cuda.h"
#include "kernels/conv2d/conv2d_cudnn.h"
#include "kernels/precision/autocast.h"

namespace kd {
namespace {

Conv2dDims conv2d_dims(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  KD_CHECK(x.defined() && x.dim() == 4, "conv2d: x must be 4-D (N, Cin, H, W), got ",
           x.defined() ? shape_str(x.shape()) : std::string("an undefined tensor"));
  KD_CHECK(w.defined() && w.dim() == 4, "conv2d: weight must be 4-D (Cout, Cin/groups, kH, kW), got ",
           w.defined() ? shape_str(w.shape()) : std::string("an undefined tensor"));
  check_floating(x, "conv2d: x");
  check_same_dtype_device(x, w, "conv2d: x and weight");
  KD_CHECK(p.stride >= 1 && p.padding >= 0 && p.groups >= 1, "conv2d: need stride >= 1, padding >= 0, groups >= 1; got stride ",
           p.stride, ", padding ", p.padding, ", groups ", p.groups);
  Conv2dDims d{};
  d.N = x.size(0), d.C = x.size(1), d.H = x.size(2), d.W = x.size(3);
  d.O = w.size(0), d.kh = w.size(2), d.kw = w.size(3);
  d.stride = p.stride, d.pad = p.padding, d.groups = p.groups;
  KD_CHECK(d.C % d.groups == 0, "conv2d: input channels (", d.C, ", x ", shape_str(x.shape()),
           ") are not divisible by groups (", d.groups, ")");
  KD_CHECK(d.O % d.groups == 0, "conv2d: output channels (", d.O, ", weight ", shape_str(w.shape()),
           ") are not divisible by groups (", d.groups, ")");
  KD_CHECK(w.size(1) == d.C / d.groups && d.kh >= 1 && d.kw >= 1, "conv2d: weight must be (Cout, Cin/groups, kH, kW) = (",
           d.O, ", ", d.C / d.groups, ", kH, kW) for x ", shape_str(x.shape()), " and groups ", d.groups, ", got ",
           shape_str(w.shape()));
  if (bias.defined()) {
    check_shape(bias, {d.O}, "conv2d: bias (Cout)");
    check_same_dtype_device(x, bias, "conv2d: x and bias");
  }
  d.Ho = (d.H + 2 * d.pad - d.kh) / d.stride + 1;
  d.Wo = (d.W + 2 * d.pad - d.kw) / d.stride + 1;
  KD_CHECK(d.H + 2 * d.pad >= d.kh && d.W + 2 * d.pad >= d.kw && d.Ho > 0 && d.Wo > 0,
           "conv2d: output size would be empty: input ", d.H, "x", d.W, " padded by ", d.pad, " is smaller than the ",
           d.kh, "x", d.kw, " kernel (x ", shape_str(x.shape()), ", weight ", shape_str(w.shape()), ")");
  return d;
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const Conv2dParams& p) {
  Conv2dDims d = conv2d_dims(x, w, bias, p);
  // Chosen once per call and kept for its backward, so one convolution's gradients come from
  // the implementation that computed its output even if the selection changes in between.
  // On CUDA: native or cuDNN (conv_backend_for has already refused cuDNN where it is not built).
  const ConvBackend backend = conv_backend_for(x.device());
  const bool cudnn = backend == ConvBackend::Cudnn;
  KD_CHECK(!p.relu || !autograd::needs_grad({x, w, bias}),
           "conv2d: the relu epilogue is for inference; run it with gradient recording off or apply relu() after");
  // The CUDA kernels have no epilogue yet: a ReLU launch follows theirs below.
  d.relu = p.relu && x.device().is_cpu();
  // Decided at forward time and kept for the backward, which may run outside the scope.
  const bool bf16 = x.dtype() == DType::F32 && autocast::bf16_enabled();
  // The operands the kernels read (bf16-rounded under autocast), kept for the backward.
  const Tensor X = bf16 ? autocast::rounded_bf16(x) : x.detach();
  const Tensor Wt = bf16 ? autocast::rounded_bf16(w) : w.detach();
  Tensor y = Tensor::empty({d.N, d.O, d.Ho, d.Wo}, x.dtype(), x.device());
  dispatch_float(x.dtype(), "conv2d", [&](auto t) {
    using T = decltype(t);
    const T* bp = bias.defined() ? bias.data<T>() : nullptr;
    on_device(
        x.device(), "conv2d", [&] { conv2d_forward_cpu<T>(d, X.data<T>(), Wt.data<T>(), bp, y.data<T>()); },
        [&] {
          // bf16: the operands are bf16-rounded (cuDNN may then use the tensor cores exactly; the
          // native kernels compute in float32 and need no flag).
          if (cudnn)
            conv2d_forward_cudnn<T>(d, X.data<T>(), Wt.data<T>(), bp, y.data<T>(), bf16);
          else
            conv2d_forward_cuda<T>(d, X.data<T>(), Wt.data<T>(), bp, y.data<T>());
          if (p.relu) relu_forward_cuda<T>(y.data<T>(), y.data<T>(), y.numel());  // elementwise, in place
        });
  });
  auto backward = [x = X, w = Wt, d, cudnn, bf16](const BackwardCtx& c) {
    Tensor g = c.gy[0].dtype() == x.dtype() ? c.gy[0] : c.gy[0].to(x.dtype());  // (N, Cout, Ho, Wo)
    // dx and dw from the bf16-rounded gradient under autocast; dbias sums g itself.
    const Tensor G = bf16 && (c.need[0] || c.need[1]) ? autocast::rounded_bf16(g) : g;
    Tensor dx = c.need[0] ? Tensor::empty_like(x) : Tensor();
    Tensor dw = c.need[1] ? Tensor::empty_like(w) : Tensor();
    Tensor db = c.need[2] ? Tensor::empty({d.O}, x.dtype(), x.device()) : Tensor();
    dispatch_float(x.dtype(), "conv2d backward", [&](auto t) {
      using T = decltype(t);
      T* dxp = dx.defined() ? dx.data<T>() : nullptr;
      T* dwp = dw.defined() ? dw.data<T>() : nullptr;
      T* dbp = db.defined() ? db.data<T>() : nullptr;
      // Under autocast the bias gradient is a second call on the unrounded g (the kernels
      // skip a gradient whose pointer is null).
      const bool split = bf16 && dbp && (dxp || dwp);
      T* dbp_main = split ? nullptr : dbp;
      auto run = [&](const T* gy, T* gx, T* gw, T* gb) {
        on_device(
            x.device(), "conv2d backward",
            [&] { conv2d_backward_cpu<T>(d, x.data<T>(), w.data<T>(), gy, gx, gw, gb); },
            [&] {
              if (cudnn)
                conv2d_backward_cudnn<T>(d, x.data<T>(), w.data<T>(), gy, gx, gw, gb, bf16);
              else
                conv2d_backward_cuda<T>(d, x.data<T>(), w.data<T>(), gy, gx, gw, gb);
            });
      };
      if (dxp || dwp || dbp_main) run(G.data<T>(), dxp, dwp, dbp_main);
      if (split) run(g.data<T>(), nullptr, nullptr, dbp);
    });
    return std::vector<Tensor>{dx, dw, db};
  };
  autograd::record("conv2d", {x, w, bias}, {y}, std::move(backward));
  return y;
}

}  // namespace kd
