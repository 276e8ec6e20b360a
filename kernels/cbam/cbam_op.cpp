// The fused CBAM op: one autograd node, inputs (x, fc1, fc2, spatial), outputs (y, ca, sa).
#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/cbam/cbam.h"
#include "kernels/cbam/cbam_cpu.h"
#include "kernels/cbam/cbam_cuda.h"

namespace kd {
namespace {

// The saved state of cbam_dims.h as tensors, so it lives exactly as long as the node.
struct SavedTensors {
  Tensor pool, parg, hpre, map, carg;
  template <class T>
  CbamSaved<T> ptrs() const {
    return {pool.data<T>(), parg.defined() ? parg.data<int64_t>() : nullptr, hpre.data<T>(), map.data<T>(),
            carg.defined() ? carg.data<int64_t>() : nullptr};
  }
};

CbamDims check_inputs(const Tensor& x, const Tensor& fc1, const Tensor& fc2, const Tensor& spatial) {
  check_dim(x, 4, "cbam: x");
  check_floating(x, "cbam: x");
  const int64_t c = x.size(1);
  check_dim(fc1, 4, "cbam: fc1");
  const int64_t hidden = fc1.size(0);
  check_shape(fc1, {hidden, c, 1, 1}, "cbam: fc1 (hidden, C, 1, 1)");
  check_shape(fc2, {c, hidden, 1, 1}, "cbam: fc2 (C, hidden, 1, 1)");
  check_dim(spatial, 4, "cbam: spatial");
  const int64_t k = spatial.size(2);
  check_shape(spatial, {1, 2, k, k}, "cbam: spatial (1, 2, k, k)");
  KD_CHECK(k % 2 == 1, "cbam: spatial kernel must be odd-sized, got ", k);
  check_same_dtype_device(x, fc1, "cbam: x and fc1");
  check_same_dtype_device(x, fc2, "cbam: x and fc2");
  check_same_dtype_device(x, spatial, "cbam: x and spatial");
  KD_CHECK(x.numel() > 0 && hidden > 0, "cbam: empty input, x ", shape_str(x.shape()), ", hidden ", hidden);
  return {x.size(0), c, x.size(2), x.size(3), hidden, k};
}

// An unused output's gradient arrives as zeros; convert a gradient of another dtype once.
Tensor as_dtype(const Tensor& g, DType t) { return g.dtype() == t ? g : g.to(t); }

}  // namespace

CbamOut cbam(const Tensor& x, const Tensor& fc1, const Tensor& fc2, const Tensor& spatial) {
  const CbamDims d = check_inputs(x, fc1, fc2, spatial);
  const int64_t N = d.N, C = d.C, S = d.S();
  const DType t = x.dtype();
  const Device dev = x.device();
  CbamOut out;
  out.y = Tensor::empty(x.shape(), t, dev);
  out.ca = Tensor::empty({N, C, 1, 1}, t, dev);
  out.sa = Tensor::empty({N, 1, d.H, d.W}, t, dev);
  // Without a backward to come (inference on the CPU) the argmaxes are not tracked.
  const bool argmax = !dev.is_cpu() || autograd::needs_grad({x, fc1, fc2, spatial});
  SavedTensors sv{Tensor::empty({N, 2, C}, t, dev), argmax ? Tensor::empty({N, C}, DType::I64, dev) : Tensor(),
                  Tensor::empty({N, 2, d.hidden}, t, dev), Tensor::empty({N, 2, S}, t, dev),
                  argmax ? Tensor::empty({N, S}, DType::I64, dev) : Tensor()};

  dispatch_float(t, "cbam", [&](auto tag) {
    using T = decltype(tag);
    on_device(dev, "cbam", cbam_forward_cpu<T>, cbam_forward_cuda<T>, d, x.data<T>(), fc1.data<T>(), fc2.data<T>(),
              spatial.data<T>(), out.y.data<T>(), out.ca.data<T>(), out.sa.data<T>(), sv.ptrs<T>());
  });

  autograd::record(
      "cbam", {x, fc1, fc2, spatial}, {out.y, out.ca, out.sa},
      [d, x = x.detach(), fc1 = fc1.detach(), fc2 = fc2.detach(), spatial = spatial.detach(), ca = out.ca.detach(),
       sa = out.sa.detach(), sv](const BackwardCtx& ctx) {
        std::vector<Tensor> g(4);
        if (!ctx.need[0] && !ctx.need[1] && !ctx.need[2] && !ctx.need[3]) return g;
        const DType t = x.dtype();
        const Tensor gy = as_dtype(ctx.gy[0], t), gca = as_dtype(ctx.gy[1], t), gsa = as_dtype(ctx.gy[2], t);
        const Tensor* in[4] = {&x, &fc1, &fc2, &spatial};
        for (int i = 0; i < 4; ++i)
          if (ctx.need[i]) g[i] = Tensor::empty_like(*in[i]);
        dispatch_float(t, "cbam backward", [&](auto tag) {
          using T = decltype(tag);
          auto out_ptr = [&](int i) { return ctx.need[i] ? g[i].data<T>() : nullptr; };
          on_device(
              x.device(), "cbam backward",
              [&] {
                cbam_backward_cpu<T>(d, x.data<T>(), fc1.data<T>(), fc2.data<T>(), spatial.data<T>(), ca.data<T>(),
                                     sa.data<T>(), sv.ptrs<T>(), gy.data<T>(), gca.data<T>(), gsa.data<T>(),
                                     out_ptr(0), out_ptr(1), out_ptr(2), out_ptr(3));
              },
              [&] {
                const Device dev = x.device();
                Tensor gq = Tensor::empty({d.N, d.S()}, DType::F64, dev);
                Tensor gm = Tensor::empty({d.N, 2, d.S()}, DType::F64, dev);
                Tensor gz = Tensor::empty({d.N, d.C}, DType::F64, dev);
                Tensor gh = Tensor::empty({d.N, 2, d.hidden}, DType::F64, dev);
                Tensor gpool = Tensor::empty({d.N, 2, d.C}, DType::F64, dev);
                const CbamCudaScratch sc{gq.data<double>(), gm.data<double>(), gz.data<double>(), gh.data<double>(),
                                         gpool.data<double>()};
                cbam_backward_cuda<T>(d, x.data<T>(), fc1.data<T>(), fc2.data<T>(), spatial.data<T>(), ca.data<T>(),
                                      sa.data<T>(), sv.ptrs<T>(), gy.data<T>(), gca.data<T>(), gsa.data<T>(), sc,
                                      out_ptr(0), out_ptr(1), out_ptr(2), out_ptr(3));
              });
        });
        return g;
      });
  return out;
}

}  // namespace kd
