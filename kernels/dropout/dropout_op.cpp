#include "kernels/dropout/dropout.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/dropout/dropout_cpu.h"
#ifdef KDFACE_HAVE_CUDA
#include "kernels/dropout/dropout_cuda.h"
#endif

namespace kd {

Tensor dropout(const Tensor& x, double p, bool training, uint64_t seed) {
  check_floating(x, "dropout: x");
  KD_CHECK(p >= 0 && p < 1, "dropout: p must be in [0, 1), got ", p);
  // The identity, as in PyTorch: the input itself, no copy and no graph node.
  if (!training || p == 0) return x;
  if (!x.device().is_cpu() && !x.device().is_cuda()) no_device_kernel("dropout", x.device());
  Tensor y = Tensor::empty_like(x);
  dispatch_float(x.dtype(), "dropout", [&](auto t) {
    using T = decltype(t);
    if (x.device().is_cpu()) {
      dropout_apply_cpu<T>(x.data<T>(), y.data<T>(), x.numel(), p, seed);
    } else {
#ifdef KDFACE_HAVE_CUDA
      dropout_apply_cuda<T>(x.data<T>(), y.data<T>(), x.numel(), p, seed);
#else
      no_device_kernel("dropout", x.device());
#endif
    }
  });
  // The backward applies the same mask and scale to gy, recomputed from the seed.
  autograd::record("dropout", {x}, {y}, [p, seed, dtype = x.dtype()](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(dtype);
    Tensor gx = Tensor::empty_like(gy);
    dispatch_float(dtype, "dropout backward", [&](auto t) {
      using T = decltype(t);
      if (gy.device().is_cpu()) {
        dropout_apply_cpu<T>(gy.data<T>(), gx.data<T>(), gy.numel(), p, seed);
      } else {
#ifdef KDFACE_HAVE_CUDA
        dropout_apply_cuda<T>(gy.data<T>(), gx.data<T>(), gy.numel(), p, seed);
#else
        no_device_kernel("dropout backward", gy.device());
#endif
      }
    });
    return std::vector<Tensor>{gx};
  });
  return y;
}

}  // namespace kd
