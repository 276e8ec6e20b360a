#include "engine/autograd.h"

#include <unordered_map>
#include <unordered_set>

namespace kd {

Node::Node(const char* name, std::vector<Tensor> inputs, std::vector<OutMeta> outs, Fn fn)
    : name_(name), inputs_(std::move(inputs)), outs_(std::move(outs)), fn_(std::move(fn)) {}

std::vector<Tensor> Node::apply(const std::vector<Tensor>& gy) {
  KD_CHECK(fn_, "backward through '", name_, "' a second time: the graph was freed (pass retain_graph)");
  BackwardCtx ctx{gy, {}};
  ctx.need.reserve(inputs_.size());
  for (const Tensor& x : inputs_) ctx.need.push_back(x.defined() && x.requires_grad());
  std::vector<Tensor> gx = fn_(ctx);
  KD_CHECK(gx.size() == inputs_.size(), "backward of '", name_, "' returned ", gx.size(), " gradients for ",
           inputs_.size(), " inputs");
  for (size_t i = 0; i < gx.size(); ++i) {
    if (!gx[i].defined() || !ctx.need[i]) continue;
    KD_CHECK(gx[i].shape() == inputs_[i].shape(), "backward of '", name_, "': gradient ", i, " has shape ",
             shape_str(gx[i].shape()), ", input has ", shape_str(inputs_[i].shape()));
  }
  return gx;
}

void Node::release() {
  fn_ = nullptr;
  inputs_.clear();
  inputs_.shrink_to_fit();
}

namespace autograd {
namespace {

thread_local bool g_grad_enabled = true;
thread_local LeafGradReady g_leaf_ready;

// How many edges from the nodes still to run point at each leaf; a leaf whose count reaches
// zero has its final gradient.
class LeafCounter {
 public:
  LeafCounter(const std::vector<std::shared_ptr<Node>>& order, const LeafGradReady& fn) : fn_(fn) {
    if (!fn_) return;
    for (const auto& n : order)
      for (const Tensor& x : n->inputs())
        if (x.defined() && x.is_leaf() && x.requires_grad()) ++left_[&x.impl()];
  }
  // Before a node releases its inputs.
  void ran(const Node& n) {
    if (!fn_) return;
    for (const Tensor& x : n.inputs())
      if (x.defined() && x.is_leaf() && x.requires_grad() && --left_[&x.impl()] == 0) fn_(x);
  }

 private:
  const LeafGradReady& fn_;
  std::unordered_map<const TensorImpl*, int> left_;
};

// Adds g into slot; the first gradient is kept as given (it may alias another tensor), so the
// slot is copied before the first in-place add.
struct Slot {
  Tensor g;
  bool owned = false;
  void add(const Tensor& x) {
    if (!g.defined()) {
      g = x;
      return;
    }
    check_same_dtype_device(g, x, "gradient accumulation");
    KD_CHECK(g.shape() == x.shape(), "gradient accumulation: ", shape_str(g.shape()), " vs ", shape_str(x.shape()));
    if (!owned) {
      g = g.clone();
      owned = true;
    }
    backend(g.device().type).add_inplace(g.raw_data(), x.raw_data(), size_t(g.numel()), int(g.dtype()), g.device().index);
  }
};

void accumulate_leaf(const Tensor& leaf, const Tensor& g) {
  TensorImpl& i = leaf.impl();
  if (!i.grad) {
    i.grad = g.clone().impl_ptr();
    return;
  }
  Tensor cur(i.grad);
  KD_CHECK(cur.shape() == g.shape(), "leaf gradient shape ", shape_str(cur.shape()), " vs ", shape_str(g.shape()));
  backend(cur.device().type).add_inplace(cur.raw_data(), g.raw_data(), size_t(g.numel()), int(g.dtype()), g.device().index);
}

// Post-order DFS over the nodes reachable from the roots, iterative so deep nets cannot
// overflow the stack; reversed it is a valid order for the backward sweep. Owning pointers:
// releasing a node frees its inputs, which may hold the last reference to a later node.
std::vector<std::shared_ptr<Node>> topo_order(const std::vector<Tensor>& roots) {
  std::vector<std::shared_ptr<Node>> order;
  std::unordered_set<Node*> seen;
  std::vector<std::pair<std::shared_ptr<Node>, size_t>> stack;
  for (const Tensor& r : roots) {
    const std::shared_ptr<Node>& n = r.grad_fn();
    if (!n || !seen.insert(n.get()).second) continue;
    stack.emplace_back(n, 0);
    while (!stack.empty()) {
      Node* node = stack.back().first.get();
      size_t& next = stack.back().second;
      if (next < node->inputs().size()) {
        const Tensor& x = node->inputs()[next++];
        if (x.defined() && x.grad_fn() && seen.insert(x.grad_fn().get()).second) stack.emplace_back(x.grad_fn(), 0);
      } else {
        order.push_back(std::move(stack.back().first));
        stack.pop_back();
      }
    }
  }
  return {order.rbegin(), order.rend()};
}

}  // namespace

LeafGradReadyScope::LeafGradReadyScope(LeafGradReady fn) : prev_(std::move(g_leaf_ready)) { g_leaf_ready = std::move(fn); }
LeafGradReadyScope::~LeafGradReadyScope() { g_leaf_ready = std::move(prev_); }

bool grad_enabled() { return g_grad_enabled; }
void set_grad_enabled(bool on) { g_grad_enabled = on; }

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!g_grad_enabled) return false;
  for (const Tensor& x : inputs)
    if (x.defined() && x.requires_grad()) return true;
  return false;
}

void record(const char* name, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs, Node::Fn fn) {
  if (!needs_grad(inputs)) return;
  std::vector<Node::OutMeta> meta;
  for (const Tensor& y : outputs) meta.push_back({y.shape(), y.dtype(), y.device()});
  auto node = std::make_shared<Node>(name, inputs, std::move(meta), std::move(fn));
  for (size_t k = 0; k < outputs.size(); ++k) {
    TensorImpl& i = outputs[k].impl();
    KD_CHECK(!i.grad_fn && !i.requires_grad, "record('", name, "'): output ", k, " already belongs to the graph");
    i.grad_fn = node;
    i.output_nr = int(k);
  }
}

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads, bool retain_graph) {
  KD_CHECK(roots.size() == grads.size(), "backward: ", roots.size(), " roots but ", grads.size(), " gradients");
  std::unordered_map<Node*, std::vector<Slot>> pending;
  for (size_t r = 0; r < roots.size(); ++r) {
    const Tensor& root = roots[r];
    KD_CHECK(root.requires_grad(), "backward: root ", r, " (", root.str(), ") does not require a gradient");
    KD_CHECK(grads[r].shape() == root.shape(), "backward: seed gradient ", shape_str(grads[r].shape()),
             " does not match root ", shape_str(root.shape()));
    if (root.is_leaf()) {
      accumulate_leaf(root, grads[r]);
      continue;
    }
    auto& slots = pending[root.grad_fn().get()];
    slots.resize(root.grad_fn()->outputs().size());
    slots[size_t(root.output_nr())].add(grads[r]);
  }

  NoGradGuard no_grad;  // backward closures build no graph of their own
  const std::vector<std::shared_ptr<Node>> order = topo_order(roots);
  LeafCounter leaves(order, g_leaf_ready);
  for (const std::shared_ptr<Node>& node : order) {
    auto it = pending.find(node.get());
    if (it == pending.end()) {  // reachable but no gradient flows into it
      leaves.ran(*node);
      continue;
    }
    std::vector<Tensor> gy;
    const auto& outs = node->outputs();
    it->second.resize(outs.size());
    for (size_t k = 0; k < outs.size(); ++k) {
      Tensor g = it->second[k].g;
      gy.push_back(g.defined() ? g : Tensor::zeros(outs[k].shape, outs[k].dtype, outs[k].device));
    }
    pending.erase(it);
    std::vector<Tensor> gx = node->apply(gy);
    const auto& inputs = node->inputs();
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& x = inputs[i];
      if (!gx[i].defined() || !x.defined() || !x.requires_grad()) continue;
      if (x.is_leaf()) {
        accumulate_leaf(x, gx[i]);
      } else {
        auto& slots = pending[x.grad_fn().get()];
        slots.resize(x.grad_fn()->outputs().size());
        slots[size_t(x.output_nr())].add(gx[i]);
      }
    }
    leaves.ran(*node);
    if (!retain_graph) node->release();
  }
}

}  // namespace autograd
}  // namespace kd
