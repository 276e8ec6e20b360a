#pragma once
// Stochastic gradient descent with exactly torch.optim.SGD's update rule, so a run can be
// compared step for step with a PyTorch reference:
//   g = grad + weight_decay * p
//   buf = g                                   on a parameter's first step with a gradient
//   buf = momentum * buf + (1 - dampening) * g  afterwards             (only when momentum != 0)
//   g = nesterov ? g + momentum * buf : buf                            (only when momentum != 0)
//   p -= lr * g
// Arithmetic is done in the parameter's dtype with the coefficients rounded to it, as PyTorch's
// single-tensor (for-loop) implementation does.
//
// Optimiser state for checkpoints: one tensor per momentum buffer, named "momentum.<param name>".
// Parameter names come from the constructor: Module::named_parameters() names, or the decimal
// index ("momentum.0", "momentum.1", ...) when constructed from bare tensors. A parameter that
// has never received a gradient has no buffer and no entry, as in PyTorch.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace kd {

struct SGDOptions {
  double lr = 0.1;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0 (PyTorch's rule)
};

// The coefficients one update needs; shared by the CPU loop and the CUDA kernel.
struct SGDHyper {
  double lr, momentum, dampening, weight_decay;
  bool nesterov;
};

// One parameter tensor's update, n elements, in place on p (and buf). buf may be null when
// momentum == 0. first: buf holds no history yet and is set to the (decayed) gradient.
template <class T>
void sgd_update_cpu(T* p, const T* g, T* buf, int64_t n, const SGDHyper& h, bool first);
// The same, on device pointers (engine/cuda/sgd_cuda.cu; a throwing stub in engine/cuda_stub.cpp
// where kdface is built without CUDA).
template <class T>
void sgd_update_cuda(T* p, const T* g, T* buf, int64_t n, const SGDHyper& h, bool first);

class SGD {
 public:
  SGD(std::vector<std::pair<std::string, Tensor>> named_params, const SGDOptions& opt);
  SGD(const std::vector<Tensor>& params, const SGDOptions& opt);  // names "0", "1", ...

  // Updates every parameter whose grad is defined (others are skipped, buffers untouched).
  void step();
  void zero_grad();  // sets every grad to undefined (PyTorch's set_to_none=True)

  double lr() const { return opt_.lr; }
  void set_lr(double lr);
  const SGDOptions& options() const { return opt_; }
  const std::vector<std::pair<std::string, Tensor>>& named_params() const { return params_; }

  // Copies of the momentum buffers ("momentum.<name>"), so stepping afterwards cannot
  // change what a caller is about to save.
  std::map<std::string, Tensor> state_dict() const;
  // Replaces the whole state: parameters without an entry lose their buffer. Every key must
  // name a parameter and match its shape; `what` (e.g. the checkpoint path) prefixes errors.
  void load_state_dict(const std::map<std::string, Tensor>& state, const std::string& what = "optimizer state");

 private:
  SGDOptions opt_;
  std::vector<std::pair<std::string, Tensor>> params_;
  std::vector<Tensor> bufs_;  // undefined until a parameter's first step with momentum
};

// The instantiations sgd_cuda.cu provides; the CPU-only stub (cuda_stub.cpp) provides the same.
#define KD_SGD_CUDA_INSTANCES(T)                                                      \
  template void sgd_update_cuda<T>(T*, const T*, T*, int64_t, const SGDHyper&, bool);

}  // namespace kd
