#include "kernels/shape/shape_ops.h"

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "kernels/shape/shape_ops_cpu.h"
#include "kernels/shape/shape_ops_cuda.h"

namespace kd {

Tensor concat(const std::vector<Tensor>& xs, int64_t dim) {
  KD_CHECK(!xs.empty(), "concat: no inputs");
  const Tensor& x0 = xs[0];
  KD_CHECK(x0.defined(), "concat: input 0 is undefined");
  const int64_t rank = x0.dim();
  KD_CHECK(rank >= 1, "concat: inputs must have at least one dimension, input 0 has shape ", shape_str(x0.shape()));
  KD_CHECK(dim >= -rank && dim < rank, "concat: dim ", dim, " out of range for rank ", rank);
  const int64_t d = dim < 0 ? dim + rank : dim;
  Shape out = x0.shape();
  out[size_t(d)] = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    const Tensor& x = xs[k];
    KD_CHECK(x.defined(), "concat: input ", k, " is undefined");
    bool same = x.dim() == rank;
    for (int64_t j = 0; same && j < rank; ++j) same = j == d || x.size(j) == x0.size(j);
    KD_CHECK(same, "concat: input ", k, " has shape ", shape_str(x.shape()), " but input 0 has shape ",
             shape_str(x0.shape()), "; all dimensions except dim ", d, " must match");
    KD_CHECK(x.dtype() == x0.dtype(), "concat: input ", k, " is ", dtype_name(x.dtype()), " but input 0 is ",
             dtype_name(x0.dtype()));
    KD_CHECK(x.device() == x0.device(), "concat: input ", k, " is on ", x.device().str(), " but input 0 is on ",
             x0.device().str());
    out[size_t(d)] += x.size(d);
  }
  const Device dev = x0.device();

  int64_t outer = 1, inner = 1;
  for (int64_t j = 0; j < d; ++j) outer *= out[size_t(j)];
  for (int64_t j = d + 1; j < rank; ++j) inner *= out[size_t(j)];
  const int64_t esize = int64_t(dtype_size(x0.dtype()));
  std::vector<int64_t> row_bytes;
  std::vector<const char*> src;
  for (const Tensor& x : xs) {
    row_bytes.push_back(x.size(d) * inner * esize);
    src.push_back(static_cast<const char*>(x.raw_data()));
  }
  Tensor y = Tensor::empty(out, x0.dtype(), dev);
  if (y.numel())
    on_device(dev, "concat", concat_cpu, concat_cuda, src, row_bytes, static_cast<char*>(y.raw_data()), outer);

  std::vector<Shape> shapes;
  for (const Tensor& x : xs) shapes.push_back(x.shape());
  autograd::record("concat", xs, {y}, [row_bytes, shapes, outer, dtype = x0.dtype(), dev](const BackwardCtx& c) {
    Tensor gy = c.gy[0].to(dtype);
    std::vector<Tensor> gx(shapes.size());
    std::vector<char*> dst(shapes.size(), nullptr);
    for (size_t k = 0; k < shapes.size(); ++k) {
      if (!c.need[k]) continue;
      gx[k] = Tensor::empty(shapes[k], dtype, dev);
      dst[k] = static_cast<char*>(gx[k].raw_data());
    }
    if (gy.numel())
      on_device(dev, "concat backward", split_cpu, split_cuda, static_cast<const char*>(gy.raw_data()), row_bytes, dst,
                outer);
    return gx;
  });
  return y;
}

Tensor reshape(const Tensor& x, const Shape& s) {
  KD_CHECK(x.defined(), "reshape: input is undefined");
  Tensor y;
  try {
    y = x.view(s);  // shares x's storage; checks the element count and the -1
  } catch (const Error& e) {
    KD_FAIL("reshape of ", shape_str(x.shape()), " to ", shape_str(s), ": ", e.what());
  }
  autograd::record("reshape", {x}, {y}, [xs = x.shape(), dtype = x.dtype()](const BackwardCtx& c) {
    return std::vector<Tensor>{c.gy[0].to(dtype).view(xs)};
  });
  return y;
}

Tensor flatten(const Tensor& x, int64_t start_dim) {
  KD_CHECK(x.defined(), "flatten: input is undefined");
  const int64_t rank = x.dim();
  if (rank == 0) return reshape(x, {1});
  KD_CHECK(start_dim >= -rank && start_dim < rank, "flatten: start_dim ", start_dim, " out of range for shape ",
           shape_str(x.shape()));
  const int64_t d = start_dim < 0 ? start_dim + rank : start_dim;
  Shape s(x.shape().begin(), x.shape().begin() + d);
  int64_t rest = 1;
  for (int64_t j = d; j < rank; ++j) rest *= x.size(j);
  s.push_back(rest);
  return reshape(x, s);
}

}  // namespace kd
