// --kernels: every case is first run at a small batch on the device and on the CPU and
// compared (1e-4 + 1e-3 |ref| on outputs and input gradients, the parity tests' bound); only
// a case that matches is timed: forward, then forward+backward, L2 flushed before each run.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/cuda.h"
#include "kernels/matmul/tf32.h"
#include "kernels/precision/autocast.h"
#include "tools/kdface-bench/bench_modes.h"
#include "tools/kdface-bench/kernel_cases.h"
#include "tools/kdface-bench/timing.h"

namespace kd::bench {
namespace {

bool selected(const BenchOptions& o, const std::string& group) {
  return o.cases.empty() || std::find(o.cases.begin(), o.cases.end(), group) != o.cases.end();
}

bool wants_grad(const KernelCase& k, size_t i, const Tensor& t) {
  return is_floating(t.dtype()) && std::find(k.no_grad.begin(), k.no_grad.end(), i) == k.no_grad.end();
}

std::vector<Tensor> on(const std::vector<Tensor>& xs, Device d, const KernelCase& k) {
  std::vector<Tensor> out;
  for (size_t i = 0; i < xs.size(); ++i) {
    Tensor t = xs[i].to(d).detach();
    if (d == xs[i].device()) t = xs[i].clone();
    if (wants_grad(k, i, t)) t.requires_grad_(true);
    out.push_back(t);
  }
  return out;
}

// Forward, then backward of the first output against gy; returns outputs then input grads.
std::vector<Tensor> fwd_bwd(const KernelCase& k, std::vector<Tensor>& in, const Tensor& gy) {
  for (auto& t : in)
    if (t.requires_grad()) t.set_grad(Tensor());
  std::vector<Tensor> out = k.forward(in);
  out[0].backward(gy);
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i].requires_grad()) out.push_back(in[i].grad());
  return out;
}

// "" when every element matches, else the first mismatch.
std::string compare(const std::vector<Tensor>& dev, const std::vector<Tensor>& ref) {
  if (dev.size() != ref.size()) return "different number of results";
  for (size_t r = 0; r < ref.size(); ++r) {
    auto a = dev[r].to(cpu()).to(DType::F64).to_vector<double>();
    auto b = ref[r].to(DType::F64).to_vector<double>();
    if (a.size() != b.size()) return "result " + std::to_string(r) + ": size differs";
    for (size_t i = 0; i < a.size(); ++i)
      if (!(std::fabs(a[i] - b[i]) <= 1e-4 + 1e-3 * std::fabs(b[i])))
        return "result " + std::to_string(r) + " element " + std::to_string(i) + ": device " + std::to_string(a[i]) +
               ", cpu " + std::to_string(b[i]);
  }
  return "";
}

Tensor seed_grad(const Shape& s, uint64_t seed) {
  Generator g(seed);
  return s.empty() ? Tensor::ones({}) : Tensor::randn(s, g);
}

}  // namespace

void run_kernels(const BenchOptions& o, Device dev) {
  set_allow_tf32(o.precision == "tf32");
  // bf16: the CPU check runs under the same autocast, so it checks against the CPU's
  // emulation of bf16 operands (kernels/precision/autocast.h).
  autocast::Bf16Scope amp(o.precision == "bf16");
  int failed = 0;
  for (const KernelCase& k : kernel_cases(o.batch, o.classes)) {
    if (!selected(o, k.group)) continue;
    nlohmann::json j = provenance(dev);
    j["case"] = k.name;
    j["shape"] = k.shape;
    j["precision"] = o.precision;
    Generator g(o.seed);
    if (o.check && !dev.is_cpu()) {
      auto host = k.make_inputs(k.check_batch, g);
      auto ref_in = on(host, cpu(), k);
      auto dev_in = on(host, dev, k);
      Tensor gy_probe = k.forward(ref_in)[0];
      Tensor gy = seed_grad(gy_probe.shape(), o.seed + 7);
      std::string diff = compare(fwd_bwd(k, dev_in, gy.to(dev)), fwd_bwd(k, ref_in, gy));
      j["checked_vs_cpu"] = diff.empty() ? "pass" : "FAIL: " + diff;
      if (!diff.empty()) {
        ++failed;
        emit(j);  // a kernel that disagrees with the oracle is not timed
        continue;
      }
    }
    if (!o.time) {  // --check-only: the emulated device's run in CI, where timings mean nothing
      emit(j);
      continue;
    }
    auto in = on(k.make_inputs(k.timed_batch, g), dev, k);
    Tensor gy = seed_grad(k.forward(in)[0].shape(), o.seed + 7).to(dev);
    std::function<void()> flush;
    if (dev.is_cuda() && o.flush_l2) flush = [&] { cuda::flush_l2(dev.index); };
    auto measure = [&](nlohmann::json& into, const char* prefix) {
      Timing f = time_runs(dev, o.warmup, o.iters, [&] { k.forward(in); }, flush);
      Timing fb = time_runs(dev, o.warmup, o.iters, [&] { fwd_bwd(k, in, gy); }, flush);
      const int64_t n = k.timed_batch;
      into[std::string(prefix) + "fwd_ms"] = f.median_ms;
      into[std::string(prefix) + "fwdbwd_ms"] = fb.median_ms;
      if (k.fwd_flops(n) > 0) {
        into[std::string(prefix) + "fwd_TFLOPs"] = k.fwd_flops(n) / f.median_ms / 1e9;
        into[std::string(prefix) + "fwdbwd_TFLOPs"] = k.fwdbwd_flops(n) / fb.median_ms / 1e9;
      }
      into[std::string(prefix) + "fwd_TBps"] = k.fwd_bytes(n) / f.median_ms / 1e9;
      into[std::string(prefix) + "fwdbwd_TBps"] = k.fwdbwd_bytes(n) / fb.median_ms / 1e9;
    };
    measure(j, "");
    j["iters"] = o.iters;
    j["l2_flushed"] = bool(flush);
    if (k.select_baseline && dev.is_cuda()) {
      k.select_baseline(true);
      measure(j, "baseline_");
      k.select_baseline(false);
    }
    if (k.torch_fwd_ms > 0) {
      j["torch_eager_fwd_ms"] = k.torch_fwd_ms;
      j["torch_eager_fwdbwd_ms"] = k.torch_fwdbwd_ms;
      j["note"] = "torch figures from REFERENCE_MODELS.md (H100, 2026-11-23), not this run";
    }
    emit(j);
  }
  KD_CHECK(failed == 0, failed, " kernel case(s) disagree with the CPU oracle; see the FAIL lines");
}

}  // namespace kd::bench
