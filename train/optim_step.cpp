#include "train/optim_step.h"

#include <cmath>

#include "kernels/precision/autocast.h"

namespace kd::train {

SGDOptions sgd_options(const TrainConfig& c) {
  SGDOptions so;
  so.lr = c.lr;
  so.momentum = c.momentum;
  so.weight_decay = c.weight_decay;
  return so;
}

LrSchedule make_schedule(const TrainConfig& c, int64_t total_units) {
  LrSchedule s;
  if (c.schedule == "constant") s = LrSchedule::constant(c.lr);
  if (c.schedule == "step") s = LrSchedule::step(c.lr, c.step_size, c.gamma);
  if (c.schedule == "multistep") s = LrSchedule::multistep(c.lr, c.milestones, c.gamma);
  if (c.schedule == "cosine") s = LrSchedule::cosine(c.lr, total_units);
  if (c.warmup > 0) s = s.with_warmup(c.warmup);
  s.validate();
  return s;
}

LossValues optimisation_step(LossStep& losses, SGD& sgd, double lr, const data::Batch& batch, int64_t step,
                             bool bf16, DataParallel* dp) {
  sgd.set_lr(lr);
  LossValues lv;
  {
    // Each op's node remembers the autocast mode, so the backward outside the scope matches.
    autocast::Bf16Scope amp(bf16);
    auto bn = dp ? dp->bn_scope() : nullptr;
    lv = losses.compute(batch, step);
  }
  if (dp && !dp->all_finite(lv.finite) && lv.finite) {
    lv.finite = false;
    lv.bad_term = "total (on another rank)";
    lv.bad_value = std::nan("");
  }
  if (!lv.finite) return lv;
  {
    auto overlap = dp ? dp->capture() : nullptr;
    lv.total.backward();
  }
  if (dp) dp->finish_gradients();
  sgd.step();
  sgd.zero_grad();
  return lv;
}

}  // namespace kd::train
