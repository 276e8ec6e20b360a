#include "kernels/reduce/reduce.h"

#include <limits>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/reduce/reduce_cpu.h"
#include "kernels/reduce/reduce_cuda.h"

namespace kd {
namespace {

// The mean of nothing is NaN, as in PyTorch.
double mean_scale(int64_t n) { return n > 0 ? 1.0 / double(n) : std::numeric_limits<double>::quiet_NaN(); }

// scale * sum of all elements, as a 0-dimensional tensor.
Tensor reduce_all(const char* op, const Tensor& x, bool is_mean) {
  check_floating(x, op);
  const int64_t n = x.numel();
  const double scale = is_mean ? mean_scale(n) : 1.0;
  Tensor y = Tensor::empty({}, x.dtype(), x.device());
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    // 0 * NaN stays NaN for an empty mean; an empty sum is 0.
    on_device(
        x.device(), op,
        [&] { y.data<T>()[0] = T(n ? sum_all_cpu<T>(x.data<T>(), n) * scale : (is_mean ? scale : 0.0)); },
        [&] {
          Tensor partial = Tensor::empty({kSumAllPartials}, DType::F64, x.device());
          sum_all_cuda<T>(x.data<T>(), n, scale, is_mean ? scale : 0.0, partial.data<double>(), y.data<T>());
        });
  });
  autograd::record(op, {x}, {y}, [op, scale, xs = x.shape(), dtype = x.dtype(), dev = x.device()](const BackwardCtx& c) {
    Tensor gx = Tensor::empty(xs, dtype, dev);
    on_device(
        dev, op,
        [&] {
          const double g = c.gy[0].item() * scale;
          dispatch_float(dtype, op, [&](auto t) {
            using T = decltype(t);
            fill_cpu<T>(gx.data<T>(), gx.numel(), T(g));
          });
        },
        [&] {
          // The upstream scalar stays on the device: no host round trip per step.
          Tensor gy = c.gy[0].to(dtype);
          dispatch_float(dtype, op, [&](auto t) {
            using T = decltype(t);
            fill_scaled_cuda<T>(gx.data<T>(), gx.numel(), gy.data<T>(), scale);
          });
        });
    return std::vector<Tensor>{gx};
  });
  return y;
}

Tensor reduce_dim(const char* op, const Tensor& x, int64_t dim, bool keepdim, bool is_mean) {
  check_floating(x, op);
  const int64_t rank = x.dim();
  KD_CHECK(rank >= 1, op, ": needs a tensor with at least one dimension, got shape ", shape_str(x.shape()));
  KD_CHECK(dim >= -rank && dim < rank, op, ": dim ", dim, " out of range for shape ", shape_str(x.shape()));
  const int64_t d = dim < 0 ? dim + rank : dim;
  int64_t outer = 1, inner = 1;
  for (int64_t j = 0; j < d; ++j) outer *= x.size(j);
  for (int64_t j = d + 1; j < rank; ++j) inner *= x.size(j);
  const int64_t R = x.size(d);
  const double scale = is_mean ? mean_scale(R) : 1.0;
  Shape out = x.shape();
  if (keepdim)
    out[size_t(d)] = 1;
  else
    out.erase(out.begin() + d);
  Tensor y = Tensor::empty(out, x.dtype(), x.device());
  dispatch_float(x.dtype(), op, [&](auto t) {
    using T = decltype(t);
    on_device(x.device(), op, sum_dim_forward_cpu<T>, sum_dim_forward_cuda<T>, x.data<T>(), y.data<T>(), outer, R,
              inner, scale);
  });
  autograd::record(op, {x}, {y},
                   [op, scale, outer, R, inner, xs = x.shape(), dtype = x.dtype(),
                    dev = x.device()](const BackwardCtx& c) {
                     Tensor gy = c.gy[0].to(dtype);
                     Tensor gx = Tensor::empty(xs, dtype, dev);
                     dispatch_float(dtype, op, [&](auto t) {
                       using T = decltype(t);
                       on_device(dev, op, sum_dim_backward_cpu<T>, sum_dim_backward_cuda<T>, gy.data<T>(),
                                 gx.data<T>(), outer, R, inner, scale);
                     });
                     return std::vector<Tensor>{gx};
                   });
  return y;
}

}  // namespace

Tensor sum(const Tensor& x) { return reduce_all("sum", x, false); }
Tensor mean(const Tensor& x) { return reduce_all("mean", x, true); }
Tensor sum_dim(const Tensor& x, int64_t dim, bool keepdim) { return reduce_dim("sum_dim", x, dim, keepdim, false); }
Tensor mean_dim(const Tensor& x, int64_t dim, bool keepdim) { return reduce_dim("mean_dim", x, dim, keepdim, true); }

}  // namespace kd
