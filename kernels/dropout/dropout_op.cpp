#include "kernels/dropout/dropout.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/dropout/dropout_cpu.h"
#include "kernels/dropout/dropout_cuda.h"

namespace kd {

Tensor dropout(const Tensor& x, double p, bool training, uint64_t seed) {
  check_floating(x, "dropout: x");
  KD_CHECK(p >= 0 && p < 1, "dropout: p must be in [0, 1), got ", p);
  // The identity, as in PyTorch: the input itself, no copy and no graph node.
  if (!training || p == 0) return x;
  Tensor y = Tensor::empty_like(x);
  dispatch_float(x.dtype(), "dropout", [&](auto t) {
    using T = decltype(t);
    on_device(x.device(), "dropout", dropout_apply_cpu<T>, dropout_apply_cuda<T>, x.data<T>(), y.data<T>(), x.numel(),
              p, seed);
  });
  // The backward applies the same mask and scale to gy, recomputed from the seed.
  autograd::record("dropout", {x}, {y}, [p, seed, dtype = x.dtype()](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(dtype);
    Tensor gx = Tensor::empty_like(gy);
    dispatch_float(dtype, "dropout backward", [&](auto t) {
      using T = decltype(t);
      on_device(gy.device(), "dropout backward", dropout_apply_cpu<T>, dropout_apply_cuda<T>, gy.data<T>(),
                gx.data<T>(), gy.numel(), p, seed);
    });
    return std::vector<Tensor>{gx};
  });
  return y;
}

}  // namespace kd
