#include "tests/support/op_case.h"

#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "engine/autograd.h"
#include "tests/support/compare.h"

namespace kdtest {
using namespace kd;

namespace {

std::vector<OpCase>& table() {
  static std::vector<OpCase> t;
  return t;
}

std::vector<bool> diff_mask(const OpCase& c, const std::vector<Tensor>& in) {
  std::vector<bool> m(in.size());
  for (size_t i = 0; i < in.size(); ++i)
    m[i] = (c.differentiable.empty() || (i < c.differentiable.size() && c.differentiable[i])) && is_floating(in[i].dtype());
  return m;
}

// Weights R_k for the scalar objective sum_k <out_k, R_k>.
std::vector<Tensor> projection(const std::vector<Tensor>& outs, uint64_t seed, DType dtype) {
  Generator g(seed ^ 0xABCDEFULL);
  std::vector<Tensor> r;
  for (const Tensor& y : outs) r.push_back(is_floating(y.dtype()) ? Tensor::randn(y.shape(), g, dtype) : Tensor());
  return r;
}

double objective(const std::vector<Tensor>& outs, const std::vector<Tensor>& r) {
  double s = 0;
  for (size_t k = 0; k < outs.size(); ++k) {
    if (!r[k].defined()) continue;
    auto y = as_doubles(outs[k]);
    auto w = as_doubles(r[k]);
    for (size_t i = 0; i < y.size(); ++i) s += y[i] * w[i];
  }
  return s;
}

}  // namespace

bool register_op_cases(std::vector<OpCase> cases) {
  static std::set<std::string> names;
  for (auto& c : cases) {
    if (!names.insert(c.name).second) throw Error("duplicate op case name '" + c.name + "'");
    table().push_back(std::move(c));
  }
  return true;
}

const std::vector<OpCase>& op_cases() { return table(); }

const std::vector<std::string>& required_ops() {
  static const std::vector<std::string> ops = {
      "conv2d", "batch_norm", "relu", "prelu", "sigmoid", "add", "mul", "global_avg_pool", "global_max_pool",
      "channel_mean", "channel_max", "concat", "linear", "flatten", "reshape", "dropout", "l2_normalize",
      "softmax", "log_softmax", "cross_entropy", "kl_div", "cbam", "margin_cross_entropy", "kd_softmax_kl", "add_relu"};
  return ops;
}

RunResult run_case(const OpCase& c, Device device, DType dtype, uint64_t seed) {
  Generator g(seed);
  std::vector<Tensor> in = c.make_inputs(g, dtype);
  auto mask = diff_mask(c, in);
  for (size_t i = 0; i < in.size(); ++i) {
    if (!device.is_cpu()) in[i] = in[i].to(device);
    if (mask[i]) in[i].requires_grad_(true);
  }
  RunResult res;
  std::vector<Tensor> outs = c.run(in);
  std::vector<Tensor> roots, seeds;
  auto r = projection(outs, seed, dtype);
  for (size_t k = 0; k < outs.size(); ++k) {
    if (r[k].defined() && outs[k].requires_grad()) {
      roots.push_back(outs[k]);
      seeds.push_back(device.is_cpu() ? r[k] : r[k].to(device));
    }
  }
  if (!roots.empty()) autograd::backward(roots, seeds);
  for (auto& y : outs) res.outputs.push_back(y.device().is_cpu() ? y.detach() : y.to(cpu()));
  for (size_t i = 0; i < in.size(); ++i) {
    Tensor gi = mask[i] ? in[i].grad() : Tensor();
    if (mask[i] && !gi.defined()) gi = Tensor::zeros(in[i].shape(), in[i].dtype());  // no path to the outputs
    res.input_grads.push_back(gi.defined() && !gi.device().is_cpu() ? gi.to(cpu()) : gi);
  }
  return res;
}

std::string gradcheck(const OpCase& c, uint64_t seed) {
  RunResult analytic = run_case(c, cpu(), DType::F64, seed);
  Generator g(seed);
  std::vector<Tensor> in = c.make_inputs(g, DType::F64);
  auto mask = diff_mask(c, in);
  autograd::NoGradGuard no_grad;
  auto r = projection(c.run(in), seed, DType::F64);
  std::ostringstream err;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!mask[i]) continue;
    double* x = in[i].data<double>();
    auto ga = as_doubles(analytic.input_grads[i]);
    // Large inputs: check an evenly spread subset of elements to bound the cost.
    int64_t n = in[i].numel(), stride = std::max<int64_t>(1, n / 256);
    int bad = 0;
    for (int64_t j = 0; j < n; j += stride) {
      double keep = x[j];
      x[j] = keep + c.fd_step;
      double fp = objective(c.run(in), r);
      x[j] = keep - c.fd_step;
      double fm = objective(c.run(in), r);
      x[j] = keep;
      double num = (fp - fm) / (2 * c.fd_step);
      double diff = std::fabs(num - ga[size_t(j)]);
      if (!(diff <= c.atol + c.rtol * std::fabs(num))) {
        if (bad++ < 4)
          err << "\n  input " << i << " element " << j << ": analytic " << ga[size_t(j)] << " numeric " << num;
      }
    }
    if (bad) err << "\n  input " << i << ": " << bad << " element(s) differ";
  }
  std::string s = err.str();
  return s.empty() ? s : c.name + ":" + s;
}

std::string compare_backends(const OpCase& c, Device device, double atol, double rtol, uint64_t seed, DType dtype) {
  RunResult ref = run_case(c, cpu(), dtype, seed);
  RunResult got = run_case(c, device, dtype, seed);
  std::string out;
  Tolerance tol{atol, rtol};
  for (size_t k = 0; k < ref.outputs.size(); ++k) {
    if (!is_floating(ref.outputs[k].dtype())) continue;
    std::string e = compare(got.outputs[k], ref.outputs[k], tol, c.name + " output " + std::to_string(k));
    if (!e.empty()) out += e + "\n";
  }
  for (size_t i = 0; i < ref.input_grads.size(); ++i) {
    if (!ref.input_grads[i].defined()) continue;
    std::string e = compare(got.input_grads[i], ref.input_grads[i], tol, c.name + " grad of input " + std::to_string(i));
    if (!e.empty()) out += e + "\n";
  }
  return out;
}

}  // namespace kdtest
