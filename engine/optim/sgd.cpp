#include "engine/optim/sgd.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "engine/autograd.h"
#include "engine/dispatch.h"
#include "engine/parallel.h"

namespace kd {

template <class T>
void sgd_update_cpu(T* p, const T* g, T* buf, int64_t n, const SGDHyper& h, bool first) {
  // Coefficients rounded to T first, matching PyTorch's Scalar -> tensor-dtype conversion.
  const T lr = T(h.lr), mom = T(h.momentum), damp1 = T(1.0 - h.dampening), wd = T(h.weight_decay);
  const bool use_wd = h.weight_decay != 0.0, use_mom = h.momentum != 0.0;
  constexpr int64_t kChunk = 1 << 14;
  parallel_for((n + kChunk - 1) / kChunk, [&](int64_t c) {
    const int64_t lo = c * kChunk, hi = std::min(n, lo + kChunk);
    for (int64_t i = lo; i < hi; ++i) {
      T d = g[i];
      if (use_wd) d = d + wd * p[i];
      if (use_mom) {
        T b = first ? d : mom * buf[i] + damp1 * d;
        buf[i] = b;
        d = h.nesterov ? d + mom * b : b;
      }
      p[i] = p[i] - lr * d;
    }
  }, kChunk);
}

template void sgd_update_cpu<float>(float*, const float*, float*, int64_t, const SGDHyper&, bool);
template void sgd_update_cpu<double>(double*, const double*, double*, int64_t, const SGDHyper&, bool);

namespace {

void check_options(const SGDOptions& o) {
  KD_CHECK(std::isfinite(o.lr) && o.lr >= 0, "SGD: invalid learning rate ", o.lr);
  KD_CHECK(std::isfinite(o.momentum) && o.momentum >= 0, "SGD: invalid momentum ", o.momentum);
  KD_CHECK(std::isfinite(o.dampening), "SGD: invalid dampening ", o.dampening);
  KD_CHECK(std::isfinite(o.weight_decay) && o.weight_decay >= 0, "SGD: invalid weight_decay ", o.weight_decay);
  KD_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
           "SGD: Nesterov momentum requires a momentum > 0 and zero dampening (momentum ", o.momentum,
           ", dampening ", o.dampening, ")");
}

std::vector<std::pair<std::string, Tensor>> index_names(const std::vector<Tensor>& params) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (size_t i = 0; i < params.size(); ++i) out.emplace_back(std::to_string(i), params[i]);
  return out;
}

const char* kPrefix = "momentum.";

}  // namespace

SGD::SGD(std::vector<std::pair<std::string, Tensor>> named_params, const SGDOptions& opt)
    : opt_(opt), params_(std::move(named_params)) {
  check_options(opt_);
  std::set<std::string> names;
  std::set<const TensorImpl*> seen;
  for (auto& [name, p] : params_) {
    KD_CHECK(p.defined(), "SGD: parameter '", name, "' is undefined");
    KD_CHECK(p.is_leaf(), "SGD: parameter '", name, "' is not a leaf tensor (it has a grad_fn); optimise the leaf");
    KD_CHECK(p.dtype() == DType::F32 || p.dtype() == DType::F64, "SGD: parameter '", name, "' is ",
             dtype_name(p.dtype()), "; expected float32 or float64");
    KD_CHECK(names.insert(name).second, "SGD: duplicate parameter name '", name, "'");
    KD_CHECK(seen.insert(&p.impl()).second, "SGD: parameter '", name, "' appears more than once");
  }
  bufs_.resize(params_.size());
}

SGD::SGD(const std::vector<Tensor>& params, const SGDOptions& opt) : SGD(index_names(params), opt) {}

void SGD::set_lr(double lr) {
  KD_CHECK(std::isfinite(lr) && lr >= 0, "SGD::set_lr: invalid learning rate ", lr);
  opt_.lr = lr;
}

void SGD::step() {
  autograd::NoGradGuard no_grad;
  const SGDHyper h{opt_.lr, opt_.momentum, opt_.dampening, opt_.weight_decay, opt_.nesterov};
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string& name = params_[i].first;
    Tensor p = params_[i].second;
    Tensor g = p.grad();
    if (!g.defined()) continue;
    KD_CHECK(g.shape() == p.shape(), "SGD: gradient of '", name, "' has shape ", shape_str(g.shape()),
             ", the parameter ", shape_str(p.shape()));
    KD_CHECK(g.dtype() == p.dtype(), "SGD: gradient of '", name, "' is ", dtype_name(g.dtype()),
             ", the parameter ", dtype_name(p.dtype()));
    KD_CHECK(g.device() == p.device(), "SGD: gradient of '", name, "' is on ", g.device().str(),
             ", the parameter on ", p.device().str());
    bool first = false;
    if (h.momentum != 0.0 && !bufs_[i].defined()) {
      bufs_[i] = Tensor::empty(p.shape(), p.dtype(), p.device());  // every element written when first
      first = true;
    }
    dispatch_float(p.dtype(), "sgd", [&](auto t) {
      using T = decltype(t);
      T* buf = bufs_[i].defined() ? bufs_[i].data<T>() : nullptr;
      on_device(p.device(), "sgd", sgd_update_cpu<T>, sgd_update_cuda<T>, p.data<T>(), g.data<T>(), buf, p.numel(), h,
                first);
    });
  }
}

void SGD::zero_grad() {
  for (auto& np : params_) np.second.set_grad(Tensor());
}

std::map<std::string, Tensor> SGD::state_dict() const {
  std::map<std::string, Tensor> out;
  for (size_t i = 0; i < params_.size(); ++i)
    if (bufs_[i].defined()) out[kPrefix + params_[i].first] = bufs_[i].clone();
  return out;
}

void SGD::load_state_dict(const std::map<std::string, Tensor>& state, const std::string& what) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < params_.size(); ++i) index[params_[i].first] = i;
  std::vector<Tensor> bufs(params_.size());
  const std::string prefix = kPrefix;
  for (auto& [key, t] : state) {
    KD_CHECK(key.compare(0, prefix.size(), prefix) == 0, what, ": unexpected SGD state key '", key,
             "' (SGD state keys are 'momentum.<parameter name>')");
    auto it = index.find(key.substr(prefix.size()));
    KD_CHECK(it != index.end(), what, ": SGD state key '", key, "' names no parameter of this optimiser");
    KD_CHECK(opt_.momentum != 0.0, what, ": SGD state key '", key,
             "' holds a momentum buffer but this optimiser has momentum 0");
    const Tensor& p = params_[it->second].second;
    KD_CHECK(t.defined() && t.shape() == p.shape(), what, ": SGD state key '", key, "' has shape ",
             t.defined() ? shape_str(t.shape()) : std::string("<undefined>"), ", the parameter ", shape_str(p.shape()));
    Tensor src = t.dtype() == p.dtype() ? t : t.to(p.dtype());
    Tensor b = Tensor::empty(p.shape(), p.dtype(), p.device());
    b.copy_from(src);  // a private copy: the caller's tensor never aliases optimiser state
    bufs[it->second] = b;
  }
  bufs_ = std::move(bufs);
}

}  // namespace kd
