// --train-step: one whole training step, exactly torch_reference.py's train_step_case so the
// figures sit beside PyTorch's: student forward on x, ArcFace (s 64, m 0.5) over `classes`,
// cross-entropy; with a teacher also its no-grad forward on a second batch, its own ArcFace
// logits, logit KD (T = 4) between the two margin-logit sets and attention KD over the stage
// ends; then SGD (lr 0.1, momentum 0.9, weight decay 5e-4) on the student and its head.
#include <sys/resource.h>

#include <memory>

#include "engine/autograd.h"
#include "engine/cuda.h"
#include "engine/optim/sgd.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/loss/loss.h"
#include "kernels/matmul/tf32.h"
#include "kernels/precision/autocast.h"
#include "losses/kd_losses.h"
#include "models/margin_head.h"
#include "models/resnext_cbam.h"
#include "tools/kdface-bench/bench_models.h"
#include "tools/kdface-bench/bench_modes.h"
#include "tools/kdface-bench/kernel_cases.h"
#include "tools/kdface-bench/timing.h"

namespace kd::bench {
namespace {

std::vector<std::pair<std::string, Tensor>> joined(const Module& a, const Module& b) {
  auto p = a.named_parameters("backbone.");
  auto h = b.named_parameters("head.");
  p.insert(p.end(), h.begin(), h.end());
  return p;
}

double host_peak_gib() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return double(r.ru_maxrss) * 1024.0 / double(1ull << 30);  // ru_maxrss is in KiB on Linux
}

}  // namespace

void run_train_step(const BenchOptions& o, Device dev) {
  set_allow_tf32(o.precision == "tf32");
  const bool forward_only = o.teacher_forward_only;
  KD_CHECK(!forward_only || o.teacher.empty(), "--forward-only times one model: give --train-step MODEL");

  models::ResNeXtCBAM student(model_config(o.student, o.size), o.seed);
  models::MarginHead head(student.config().emb, o.classes, "arcface", 64.0, 0.5, o.seed + 1);
  student.to(dev);
  head.to(dev);
  std::unique_ptr<models::ResNeXtCBAM> teacher;
  std::unique_ptr<models::MarginHead> thead;
  if (!o.teacher.empty()) {
    teacher = std::make_unique<models::ResNeXtCBAM>(model_config(o.teacher, o.size), o.seed + 2);
    thead = std::make_unique<models::MarginHead>(teacher->config().emb, o.classes, "arcface", 64.0, 0.5, o.seed + 3);
    teacher->eval();
    teacher->to(dev);
    thead->to(dev);
  }
  Generator g(o.seed + 4);
  Tensor x = Tensor::randn({o.batch, 3, o.size, o.size}, g).to(dev);
  Tensor xt = Tensor::randn({o.batch, 3, o.size, o.size}, g).to(dev);
  Generator gl(o.seed + 5);
  Tensor y = random_labels(o.batch, o.classes, gl).to(dev);

  SGDOptions so;
  so.lr = 0.1;
  so.momentum = 0.9;
  so.weight_decay = 5e-4;
  SGD sgd(joined(student, head), so);

  std::function<void()> step;
  if (forward_only) {
    student.eval();
    step = [&] {
      autograd::NoGradGuard ng;
      autocast::Bf16Scope amp(o.precision == "bf16");
      student.forward(x);
    };
  } else {
    student.train();
    step = [&] {
      // bf16: conv / linear / matmul with bf16 operands and fp32 accumulation, PyTorch
      // autocast's split; the loss terms and the update stay fp32.
      autocast::Bf16Scope amp(o.precision == "bf16");
      models::BackboneOutput out = student.forward(x);
      // Alone, the student takes the fused ArcFace + CE; with a teacher the peer distils the
      // margin logits themselves, so they are materialised.
      Tensor logits = teacher ? head.logits(out.embedding, y) : Tensor();
      Tensor loss = teacher ? cross_entropy(logits, y) : head.loss(out.embedding, y);
      if (teacher) {
        models::BackboneOutput tout;
        Tensor tl;
        {
          autograd::NoGradGuard ng;
          tout = teacher->forward(xt);
          tl = thead->logits(tout.embedding, y);
        }
        loss = add(loss, losses::kd_logit(logits, tl, 4.0));
        loss = add(loss, losses::kd_attention(out.attention, tout.attention));
      }
      sgd.zero_grad();
      loss.backward();
      sgd.step();
    };
  }
  Timing t = time_runs(dev, o.warmup, o.iters, step);
  double peak_gib = 0;
  if (dev.is_cuda()) {
    cuda::synchronize();
    cuda::reset_peak_stats(dev.index);
    step();
    cuda::synchronize();
    peak_gib = double(cuda::allocator_stats(dev.index).peak_in_use) / double(1ull << 30);
  } else {
    peak_gib = host_peak_gib();
  }
  nlohmann::json j = provenance(dev);
  j["case"] = forward_only ? "forward_" + o.student
                           : (teacher ? "kd_step_" + o.teacher + "_to_" + o.student : "train_" + o.student);
  j["batch"] = o.batch;
  j["size"] = o.size;
  j["classes"] = o.classes;
  j["precision"] = o.precision;
  j["params_M"] = double(student.num_parameters()) / 1e6;
  j["step_ms"] = t.median_ms;
  j["min_ms"] = t.min_ms;
  j["iters"] = t.iters;
  j["img_per_s"] = double(o.batch) / t.median_ms * 1e3;
  j[dev.is_cuda() ? "peak_mem_GiB" : "peak_rss_GiB"] = peak_gib;
  emit(j);
}

}  // namespace kd::bench
