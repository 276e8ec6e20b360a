// --embed: inference throughput of one backbone (eval mode, no gradients), the "tiny
// embedding" rows of REFERENCE_MODELS.md.
#include "engine/autograd.h"
#include "engine/cuda.h"
#include "kernels/matmul/tf32.h"
#include "kernels/precision/autocast.h"
#include "models/conv_bn.h"
#include "models/resnext_cbam.h"
#include "tools/kdface-bench/bench_models.h"
#include "tools/kdface-bench/bench_modes.h"
#include "tools/kdface-bench/timing.h"

namespace kd::bench {

void run_embed(const BenchOptions& o, Device dev) {
  models::ResNeXtConfig cfg = model_config(o.model, o.size);
  models::ResNeXtCBAM net(cfg, o.seed);
  net.eval();
  net.to(dev);
  Generator g(o.seed + 1);
  Tensor x = Tensor::randn({o.batch, 3, o.size, o.size}, g).to(dev);
  autograd::NoGradGuard ng;
  set_allow_tf32(o.precision == "tf32");
  autocast::Bf16Scope amp(o.precision == "bf16");
  models::FoldCacheScope folded;  // as kdface-embed and kdface-eval run (eval/views/face_views.cpp)
  Tensor emb;
  Timing t = time_runs(dev, o.warmup, o.iters, [&] { emb = net.forward(x).embedding; });
  if (dev.is_cuda()) cuda::synchronize();
  nlohmann::json j = provenance(dev);
  j["case"] = "embed";
  j["model"] = o.model;
  j["params_M"] = double(net.num_parameters()) / 1e6;
  j["size"] = o.size;
  j["batch"] = o.batch;
  j["precision"] = o.precision;
  j["ms"] = t.median_ms;
  j["min_ms"] = t.min_ms;
  j["iters"] = t.iters;
  j["faces_per_s"] = double(o.batch) / t.median_ms * 1e3;
  emit(j);
}

}  // namespace kd::bench
