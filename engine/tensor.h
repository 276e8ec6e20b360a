#pragma once
// Tensors are always contiguous (row-major, NCHW for images). A view shares the storage and
// carries an element offset; there are no strides, so every kernel can assume density.
#include <memory>
#include <ostream>
#include <vector>

#include "engine/check.h"
#include "engine/device.h"
#include "engine/dtype.h"
#include "engine/rng.h"
#include "engine/shape.h"
#include "engine/storage.h"

namespace kd {

class Node;
class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  DType dtype = DType::F32;
  // autograd: a leaf has requires_grad and no grad_fn; an op result has grad_fn.
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<Node> grad_fn;
  int output_nr = 0;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  static Tensor empty(const Shape& s, DType t = DType::F32, Device d = cpu());
  static Tensor zeros(const Shape& s, DType t = DType::F32, Device d = cpu());
  static Tensor full(const Shape& s, double v, DType t = DType::F32, Device d = cpu());
  static Tensor ones(const Shape& s, DType t = DType::F32, Device d = cpu()) { return full(s, 1.0, t, d); }
  static Tensor randn(const Shape& s, Generator& g, DType t = DType::F32, double stddev = 1.0);
  static Tensor uniform(const Shape& s, Generator& g, double lo, double hi, DType t = DType::F32);
  template <class T>
  static Tensor from(const std::vector<T>& v, const Shape& s);  // host data, copied
  static Tensor empty_like(const Tensor& o) { return empty(o.shape(), o.dtype(), o.device()); }
  static Tensor zeros_like(const Tensor& o) { return zeros(o.shape(), o.dtype(), o.device()); }

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  int64_t dim() const { return int64_t(shape().size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return kd::numel(shape()); }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().storage ? impl().storage->device() : cpu(); }
  size_t nbytes() const { return size_t(numel()) * dtype_size(dtype()); }
  void* raw_data() const;
  template <class T>
  T* data() const {
    KD_CHECK(dtype() == dtype_of<T>, "tensor is ", dtype_name(dtype()), ", accessed as ", dtype_name(dtype_of<T>));
    return static_cast<T*>(raw_data());
  }
  template <class T>
  std::vector<T> to_vector() const;  // host copy
  double item() const;               // one element, as double
  std::string str() const;           // "float32[2, 3] cpu"

  Tensor detach() const;  // same storage, outside the graph
  Tensor clone() const;   // deep copy, outside the graph
  Tensor to(Device d) const;
  Tensor to(DType t) const;  // value conversion between floating types (and I64 -> float)
  Tensor view(Shape s) const;  // same storage; one -1 allowed; outside the graph
  Tensor narrow0(int64_t start, int64_t len) const;  // rows [start, start+len) of dim 0; a view
  void copy_from(const Tensor& src);  // same shape and dtype, any devices
  void fill_(double v);
  void zero_();

  bool requires_grad() const { return impl_ && (impl_->requires_grad || impl_->grad_fn); }
  Tensor& requires_grad_(bool on = true);
  Tensor grad() const { return Tensor(impl().grad); }
  void set_grad(const Tensor& g) { impl().grad = g.impl_; }
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
  int output_nr() const { return impl().output_nr; }
  bool is_leaf() const { return !impl().grad_fn; }
  // Reverse-mode sweep from this tensor; grad defaults to 1 for a one-element tensor.
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false) const;

  TensorImpl& impl() const {
    KD_CHECK(impl_, "use of an undefined tensor");
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Shape checks for op wrappers: the message names the op, the argument and both shapes.
void check_shape(const Tensor& t, const Shape& expected, const char* what);
void check_dim(const Tensor& t, int64_t dim, const char* what);
void check_same_dtype_device(const Tensor& a, const Tensor& b, const char* what);
void check_floating(const Tensor& t, const char* what);

}  // namespace kd
