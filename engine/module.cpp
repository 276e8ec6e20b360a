#include "engine/module.h"

namespace kd {

void Module::check_new_name(const std::string& name) const {
  KD_CHECK(!name.empty() && name.find('.') == std::string::npos, "module member name '", name,
           "' must be non-empty and contain no '.'");
  for (auto& p : params_) KD_CHECK(p.first != name, "duplicate member name '", name, "'");
  for (auto& p : buffers_) KD_CHECK(p.first != name, "duplicate member name '", name, "'");
  for (auto& p : children_) KD_CHECK(p.first != name, "duplicate member name '", name, "'");
}

Tensor& Module::register_parameter(const std::string& name, Tensor t) {
  check_new_name(name);
  t.requires_grad_(true);
  params_.emplace_back(name, std::move(t));
  return params_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor t) {
  check_new_name(name);
  buffers_.emplace_back(name, std::move(t));
  return buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  check_new_name(name);
  KD_CHECK(m, "register_module('", name, "'): null module");
  children_.emplace_back(name, std::move(m));
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(const std::string& prefix) const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& [n, t] : params_) out.emplace_back(prefix + n, t);
  for (auto& [n, c] : children_) {
    auto sub = c->named_parameters(prefix + n + ".");
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(const std::string& prefix) const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  for (auto& [n, c] : children_) {
    auto sub = c->named_buffers(prefix + n + ".");
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

namespace {

void move_storage(const Tensor& t, Device d) {
  if (!t.defined() || t.device() == d) return;
  Tensor moved = t.to(d);
  TensorImpl& im = t.impl();
  im.storage = moved.impl().storage;
  im.offset = moved.impl().offset;
  im.grad.reset();
}

void convert_storage(const Tensor& t, DType dt) {
  if (!t.defined() || !is_floating(t.dtype()) || t.dtype() == dt) return;
  Tensor converted = t.to(dt);
  TensorImpl& im = t.impl();
  im.storage = converted.impl().storage;
  im.offset = converted.impl().offset;
  im.dtype = dt;
  im.grad.reset();
}

}  // namespace

void Module::to(Device d) {
  for (auto& p : params_) move_storage(p.second, d);
  // Integer buffers (BatchNorm's num_batches_tracked) stay on the host: host code reads them
  // every training step, and on a GPU each read would be a synchronising copy.
  for (auto& b : buffers_)
    if (is_floating(b.second.dtype())) move_storage(b.second, d);
  for (auto& c : children_) c.second->to(d);
}

void Module::to(DType t) {
  KD_CHECK(is_floating(t), "Module::to(", dtype_name(t), "): parameters can only be converted to a floating type");
  for (auto& p : params_) convert_storage(p.second, t);
  for (auto& b : buffers_) convert_storage(b.second, t);
  for (auto& c : children_) c.second->to(t);
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& p : named_parameters()) out.push_back(p.second);
  return out;
}

std::map<std::string, Tensor> Module::state_dict() const {
  std::map<std::string, Tensor> sd;
  for (auto& p : named_parameters()) sd[p.first] = p.second;
  for (auto& b : named_buffers()) sd[b.first] = b.second;
  return sd;
}

std::vector<std::string> Module::load_state_dict(const std::map<std::string, Tensor>& sd, bool strict) {
  std::vector<std::string> missing;
  auto own = state_dict();
  for (auto& [name, dst] : own) {
    auto it = sd.find(name);
    if (it == sd.end()) {
      KD_CHECK(!strict, "load_state_dict: missing '", name, "' (expected shape ", shape_str(dst.shape()), ")");
      missing.push_back(name);
      continue;
    }
    KD_CHECK(it->second.shape() == dst.shape(), "load_state_dict: '", name, "' has shape ",
             shape_str(it->second.shape()), ", the model expects ", shape_str(dst.shape()));
    Tensor src = it->second.dtype() == dst.dtype() ? it->second : it->second.to(dst.dtype());
    Tensor(dst).detach().copy_from(src.device() == dst.device() ? src : src.to(dst.device()));
  }
  if (strict)
    for (auto& [name, t] : sd)
      KD_CHECK(own.count(name), "load_state_dict: unexpected key '", name, "' ", shape_str(t.shape()));
  return missing;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& c : children_) c.second->train(on);
}

void Module::zero_grad() {
  for (auto& p : named_parameters()) p.second.set_grad(Tensor());
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& p : named_parameters()) n += p.second.numel();
  return n;
}

}  // namespace kd
