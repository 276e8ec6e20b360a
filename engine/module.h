#pragma once
// A module owns named parameters (leaf tensors with requires_grad), buffers (running
// statistics) and children; names join with '.' exactly as PyTorch's state_dict does.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace kd {

class Module {
 public:
  virtual ~Module() = default;

  std::vector<std::pair<std::string, Tensor>> named_parameters(const std::string& prefix = "") const;
  std::vector<std::pair<std::string, Tensor>> named_buffers(const std::string& prefix = "") const;
  std::vector<Tensor> parameters() const;
  // parameters and buffers under their dotted names (what a checkpoint stores)
  std::map<std::string, Tensor> state_dict() const;
  // Copies values in; every name must exist and match in shape, unless strict is false
  // (then missing names are listed in the returned vector).
  std::vector<std::string> load_state_dict(const std::map<std::string, Tensor>& sd, bool strict = true);

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();
  int64_t num_parameters() const;
  // Moves every parameter and buffer (recursively) to d in place: the tensors keep their
  // identity, so layers, optimisers built afterwards and state_dict() see the new storage.
  // Gradients are dropped. Integer buffers (counters) stay on the host.
  void to(Device d);
  // Converts every floating parameter and buffer (recursively) to dtype t in place, with the
  // same identity guarantee as to(Device); gradients are dropped, integer buffers unchanged.
  // float64 exists for checks: the PyTorch training parity (tests/test_train_parity.cpp).
  void to(DType t);

 protected:
  Tensor& register_parameter(const std::string& name, Tensor t);
  Tensor& register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> m);
  void check_new_name(const std::string& name) const;

  bool training_ = true;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

}  // namespace kd
