#pragma once
// Reverse-mode autograd: an op computes its outputs, then record() attaches one Node holding
// the inputs and a backward closure. The closure's captures are the op's typed saved context
// (save outputs with detach() so a node never owns the tensor that owns it).
#include <functional>
#include <vector>

#include "engine/tensor.h"

namespace kd {

struct BackwardCtx {
  const std::vector<Tensor>& gy;  // one gradient per output, zeros where an output was unused
  std::vector<bool> need;         // need[i]: input i wants a gradient
};

class Node {
 public:
  using Fn = std::function<std::vector<Tensor>(const BackwardCtx&)>;
  struct OutMeta {
    Shape shape;
    DType dtype;
    Device device;
  };

  Node(const char* name, std::vector<Tensor> inputs, std::vector<OutMeta> outs, Fn fn);
  const char* name() const { return name_; }
  const std::vector<Tensor>& inputs() const { return inputs_; }
  const std::vector<OutMeta>& outputs() const { return outs_; }
  bool released() const { return !fn_; }
  std::vector<Tensor> apply(const std::vector<Tensor>& gy);  // checks the returned shapes
  void release();  // frees saved state once backward has run

 private:
  const char* name_;
  std::vector<Tensor> inputs_;
  std::vector<OutMeta> outs_;
  Fn fn_;
};

namespace autograd {

bool grad_enabled();
void set_grad_enabled(bool on);

// Turns recording off for a scope (evaluation, teacher forward, optimiser updates).
class NoGradGuard {
 public:
  NoGradGuard() : prev_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// True when recording is on and any input requires a gradient.
bool needs_grad(const std::vector<Tensor>& inputs);

// Attaches a node to outputs when needs_grad(inputs). fn returns one tensor per input
// (undefined where need[i] is false or the input is not differentiable).
void record(const char* name, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs, Node::Fn fn);

// Called during backward() once per leaf that requires a gradient, as soon as no node still
// to run can add to it: data-parallel training starts reducing a gradient bucket then,
// overlapping communication with the rest of the backward pass. One per thread.
using LeafGradReady = std::function<void(const Tensor& leaf)>;
class LeafGradReadyScope {
 public:
  explicit LeafGradReadyScope(LeafGradReady fn);
  ~LeafGradReadyScope();
  LeafGradReadyScope(const LeafGradReadyScope&) = delete;
  LeafGradReadyScope& operator=(const LeafGradReadyScope&) = delete;

 private:
  LeafGradReady prev_;
};

// Backward from roots with the given seed gradients (one per root).
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads, bool retain_graph = false);

}  // namespace autograd
}  // namespace kd
