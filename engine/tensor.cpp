#include "engine/tensor.h"

#include <cstring>
#include <sstream>

#include "engine/autograd.h"

namespace kd {
namespace {

std::shared_ptr<TensorImpl> make_impl(const Shape& s, DType t, Device d) {
  for (int64_t v : s) KD_CHECK(v >= 0, "negative dimension in shape ", shape_str(s));
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = s;
  impl->dtype = t;
  impl->storage = std::make_shared<Storage>(size_t(numel(s)) * dtype_size(t), d);
  return impl;
}

template <class F>
void for_float_host(Tensor& t, F f) {
  switch (t.dtype()) {
    case DType::F32: { float* p = t.data<float>(); for (int64_t i = 0; i < t.numel(); ++i) p[i] = float(f()); break; }
    case DType::F64: { double* p = t.data<double>(); for (int64_t i = 0; i < t.numel(); ++i) p[i] = f(); break; }
    default: KD_FAIL("random fill needs a floating dtype, got ", dtype_name(t.dtype()));
  }
}

double load_as_double(const void* p, DType t) {
  switch (t) {
    case DType::F32: return *static_cast<const float*>(p);
    case DType::F64: return *static_cast<const double*>(p);
    case DType::I64: return double(*static_cast<const int64_t*>(p));
    case DType::BF16: {
      uint32_t bits = uint32_t(*static_cast<const uint16_t*>(p)) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
  }
  return 0;
}

void store_from_double(void* p, DType t, double v) {
  switch (t) {
    case DType::F32: *static_cast<float*>(p) = float(v); return;
    case DType::F64: *static_cast<double*>(p) = v; return;
    case DType::I64: *static_cast<int64_t*>(p) = int64_t(v); return;
    case DType::BF16: {
      float f = float(v);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {  // NaN: keep it a (quiet) NaN of the same sign
        *static_cast<uint16_t*>(p) = uint16_t((bits >> 16) | 0x0040u);
        return;
      }
      bits += 0x7FFF + ((bits >> 16) & 1);  // round to nearest even
      *static_cast<uint16_t*>(p) = uint16_t(bits >> 16);
      return;
    }
  }
}

}  // namespace

Tensor Tensor::empty(const Shape& s, DType t, Device d) { return Tensor(make_impl(s, t, d)); }

Tensor Tensor::zeros(const Shape& s, DType t, Device d) {
  Tensor out = empty(s, t, d);
  out.zero_();
  return out;
}

Tensor Tensor::full(const Shape& s, double v, DType t, Device d) {
  Tensor out = empty(s, t, d);
  out.fill_(v);
  return out;
}

Tensor Tensor::randn(const Shape& s, Generator& g, DType t, double stddev) {
  Tensor out = empty(s, t);
  for_float_host(out, [&] { return g.normal() * stddev; });
  return out;
}

Tensor Tensor::uniform(const Shape& s, Generator& g, double lo, double hi, DType t) {
  Tensor out = empty(s, t);
  for_float_host(out, [&] { return lo + (hi - lo) * g.uniform(); });
  return out;
}

template <class T>
Tensor Tensor::from(const std::vector<T>& v, const Shape& s) {
  KD_CHECK(int64_t(v.size()) == kd::numel(s), "Tensor::from: ", v.size(), " values for shape ", shape_str(s));
  Tensor out = empty(s, dtype_of<T>);
  if (!v.empty()) std::memcpy(out.raw_data(), v.data(), v.size() * sizeof(T));
  return out;
}
template Tensor Tensor::from(const std::vector<float>&, const Shape&);
template Tensor Tensor::from(const std::vector<double>&, const Shape&);
template Tensor Tensor::from(const std::vector<int64_t>&, const Shape&);

int64_t Tensor::size(int64_t d) const {
  int64_t n = dim();
  int64_t k = d < 0 ? d + n : d;
  KD_CHECK(k >= 0 && k < n, "dimension ", d, " out of range for shape ", shape_str(shape()));
  return shape()[size_t(k)];
}

void* Tensor::raw_data() const {
  const TensorImpl& i = impl();
  if (!i.storage || !i.storage->data()) return nullptr;
  return static_cast<char*>(i.storage->data()) + i.offset * int64_t(dtype_size(i.dtype));
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  KD_CHECK(dtype() == dtype_of<T>, "to_vector: tensor is ", dtype_name(dtype()));
  std::vector<T> v(static_cast<size_t>(numel()));
  if (!v.empty()) backend(device().type).copy(v.data(), cpu(), raw_data(), device(), nbytes());
  return v;
}
template std::vector<float> Tensor::to_vector() const;
template std::vector<double> Tensor::to_vector() const;
template std::vector<int64_t> Tensor::to_vector() const;

double Tensor::item() const {
  KD_CHECK(numel() == 1, "item() needs one element, tensor has shape ", shape_str(shape()));
  Tensor h = device().is_cpu() ? *this : to(cpu());
  return load_as_double(h.raw_data(), dtype());
}

std::string Tensor::str() const {
  if (!defined()) return "undefined";
  return kd::str(dtype_name(dtype()), shape_str(shape()), " ", device().str());
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

Tensor Tensor::detach() const {
  auto i = std::make_shared<TensorImpl>();
  i->storage = impl().storage;
  i->offset = impl().offset;
  i->shape = impl().shape;
  i->dtype = impl().dtype;
  return Tensor(i);
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  out.copy_from(*this);
  return out;
}

Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  Tensor out = empty(shape(), dtype(), d);
  out.copy_from(*this);
  return out;
}

Tensor Tensor::to(DType t) const {
  if (t == dtype()) return *this;
  KD_CHECK(is_floating(t), "to(", dtype_name(t), "): conversion to integers is not supported");
  Tensor h = device().is_cpu() ? *this : to(cpu());
  Tensor out = empty(shape(), t);
  size_t si = dtype_size(dtype()), so = dtype_size(t);
  const char* src = static_cast<const char*>(h.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  for (int64_t i = 0; i < numel(); ++i) store_from_double(dst + i * so, t, load_as_double(src + i * si, dtype()));
  return device().is_cpu() ? out : out.to(device());
}

Tensor Tensor::view(Shape s) const {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      KD_CHECK(infer < 0, "view: more than one -1 in ", shape_str(s));
      infer = int64_t(i);
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0) {
    KD_CHECK(known > 0 && numel() % known == 0, "view: cannot infer -1 of ", shape_str(s), " from ", shape_str(shape()));
    s[size_t(infer)] = numel() / known;
  }
  KD_CHECK(kd::numel(s) == numel(), "view: shape ", shape_str(s), " does not match ", shape_str(shape()), " (",
           numel(), " elements)");
  Tensor out = detach();
  out.impl().shape = s;
  return out;
}

Tensor Tensor::narrow0(int64_t start, int64_t len) const {
  KD_CHECK(dim() >= 1 && start >= 0 && len >= 0 && start + len <= size(0), "narrow0: rows [", start, ", ",
           start + len, ") out of ", shape_str(shape()));
  Tensor out = detach();
  out.impl().offset += start * (numel() / std::max<int64_t>(size(0), 1));
  out.impl().shape[0] = len;
  return out;
}

void Tensor::copy_from(const Tensor& src) {
  KD_CHECK(src.shape() == shape(), "copy_from: source shape ", shape_str(src.shape()), " != destination ",
           shape_str(shape()));
  KD_CHECK(src.dtype() == dtype(), "copy_from: source ", dtype_name(src.dtype()), " != destination ",
           dtype_name(dtype()));
  if (nbytes() == 0) return;
  DeviceType t = device().is_cuda() ? DeviceType::CUDA : src.device().type;
  backend(t).copy(raw_data(), device(), src.raw_data(), src.device(), nbytes());
}

void Tensor::zero_() {
  if (nbytes()) backend(device().type).memset_zero(raw_data(), nbytes(), device().index);
}

void Tensor::fill_(double v) {
  if (v == 0.0) return zero_();
  Tensor h = device().is_cpu() ? *this : empty(shape(), dtype());
  size_t sz = dtype_size(dtype());
  char* p = static_cast<char*>(h.raw_data());
  for (int64_t i = 0; i < numel(); ++i) store_from_double(p + i * sz, dtype(), v);
  if (!device().is_cpu()) copy_from(h);
}

Tensor& Tensor::requires_grad_(bool on) {
  KD_CHECK(!on || is_floating(dtype()), "requires_grad on a ", dtype_name(dtype()), " tensor");
  KD_CHECK(is_leaf(), "requires_grad_ on a non-leaf tensor (use detach() first)");
  impl().requires_grad = on;
  return *this;
}

void Tensor::backward(const Tensor& grad, bool retain_graph) const {
  Tensor g = grad;
  if (!g.defined()) {
    KD_CHECK(numel() == 1, "backward() without a gradient needs a one-element tensor, got ", shape_str(shape()));
    g = full(shape(), 1.0, dtype(), device());
  }
  autograd::backward({*this}, {g}, retain_graph);
}

void check_shape(const Tensor& t, const Shape& expected, const char* what) {
  KD_CHECK(t.defined(), what, ": tensor is undefined, expected shape ", shape_str(expected));
  KD_CHECK(t.shape() == expected, what, ": expected shape ", shape_str(expected), ", got ", shape_str(t.shape()));
}

void check_dim(const Tensor& t, int64_t dim, const char* what) {
  KD_CHECK(t.defined(), what, ": tensor is undefined, expected ", dim, " dimensions");
  KD_CHECK(t.dim() == dim, what, ": expected ", dim, " dimensions, got shape ", shape_str(t.shape()));
}

void check_same_dtype_device(const Tensor& a, const Tensor& b, const char* what) {
  KD_CHECK(a.dtype() == b.dtype(), what, ": dtype mismatch ", dtype_name(a.dtype()), " vs ", dtype_name(b.dtype()));
  KD_CHECK(a.device() == b.device(), what, ": device mismatch ", a.device().str(), " vs ", b.device().str());
}

void check_floating(const Tensor& t, const char* what) {
  KD_CHECK(t.dtype() == DType::F32 || t.dtype() == DType::F64, what, ": expected float32 or float64, got ",
           dtype_name(t.dtype()));
}

}  // namespace kd
