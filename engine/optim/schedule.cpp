#include "engine/optim/schedule.h"

#include <algorithm>
#include <cmath>

#include "engine/check.h"

namespace kd {

LrSchedule LrSchedule::constant(double base_lr) {
  LrSchedule s;
  s.base_lr = base_lr;
  return s;
}

LrSchedule LrSchedule::step(double base_lr, int64_t step_size, double gamma) {
  LrSchedule s = constant(base_lr);
  s.kind = Kind::Step;
  s.step_size = step_size;
  s.gamma = gamma;
  s.validate();
  return s;
}

LrSchedule LrSchedule::multistep(double base_lr, std::vector<int64_t> milestones, double gamma) {
  LrSchedule s = constant(base_lr);
  s.kind = Kind::MultiStep;
  s.milestones = std::move(milestones);
  s.gamma = gamma;
  s.validate();
  return s;
}

LrSchedule LrSchedule::cosine(double base_lr, int64_t total_steps, double min_lr) {
  LrSchedule s = constant(base_lr);
  s.kind = Kind::Cosine;
  s.total_steps = total_steps;
  s.min_lr = min_lr;
  s.validate();
  return s;
}

LrSchedule LrSchedule::with_warmup(int64_t steps, double start_factor) const {
  LrSchedule s = *this;
  s.warmup_steps = steps;
  s.warmup_start_factor = start_factor;
  s.validate();
  return s;
}

void LrSchedule::validate() const {
  KD_CHECK(std::isfinite(base_lr) && base_lr >= 0, "lr schedule: base_lr must be >= 0, got ", base_lr);
  KD_CHECK(warmup_steps >= 0, "lr schedule: warmup_steps must be >= 0, got ", warmup_steps);
  KD_CHECK(std::isfinite(warmup_start_factor) && warmup_start_factor >= 0 && warmup_start_factor <= 1,
           "lr schedule: warmup_start_factor must be in [0, 1], got ", warmup_start_factor);
  switch (kind) {
    case Kind::Constant: break;
    case Kind::Step:
      KD_CHECK(step_size > 0, "lr schedule 'step': step_size must be > 0, got ", step_size);
      KD_CHECK(std::isfinite(gamma) && gamma > 0, "lr schedule 'step': gamma must be > 0, got ", gamma);
      break;
    case Kind::MultiStep:
      KD_CHECK(std::isfinite(gamma) && gamma > 0, "lr schedule 'multistep': gamma must be > 0, got ", gamma);
      for (size_t i = 0; i < milestones.size(); ++i) {
        KD_CHECK(milestones[i] >= 0, "lr schedule 'multistep': milestone ", milestones[i], " is negative");
        KD_CHECK(i == 0 || milestones[i] > milestones[i - 1], "lr schedule 'multistep': milestones must be strictly "
                 "increasing, got ", milestones[i - 1], " then ", milestones[i]);
      }
      break;
    case Kind::Cosine:
      KD_CHECK(total_steps > warmup_steps, "lr schedule 'cosine': total_steps (", total_steps,
               ") must exceed warmup_steps (", warmup_steps, ")");
      KD_CHECK(std::isfinite(min_lr) && min_lr >= 0 && min_lr <= base_lr, "lr schedule 'cosine': min_lr must be in "
               "[0, base_lr = ", base_lr, "], got ", min_lr);
      break;
  }
}

double LrSchedule::lr_at(int64_t s) const {
  validate();
  KD_CHECK(s >= 0, "lr schedule: step must be >= 0, got ", s);
  double lr = base_lr;
  switch (kind) {
    case Kind::Constant: break;
    case Kind::Step: lr = base_lr * std::pow(gamma, double(s / step_size)); break;
    case Kind::MultiStep: {
      auto passed = std::upper_bound(milestones.begin(), milestones.end(), s) - milestones.begin();
      lr = base_lr * std::pow(gamma, double(passed));
      break;
    }
    case Kind::Cosine:
      if (s >= total_steps) {
        lr = min_lr;
      } else if (s >= warmup_steps) {
        const double t = double(s - warmup_steps), T = double(total_steps - warmup_steps);
        lr = min_lr + (base_lr - min_lr) * (1.0 + std::cos(M_PI * t / T)) / 2.0;
      }
      break;
  }
  if (s < warmup_steps)
    lr *= warmup_start_factor + (1.0 - warmup_start_factor) * double(s) / double(warmup_steps);
  return lr;
}

std::string LrSchedule::str() const {
  std::string out;
  switch (kind) {
    case Kind::Constant: out = kd::str("constant lr ", base_lr); break;
    case Kind::Step: out = kd::str("step lr ", base_lr, " x", gamma, " every ", step_size); break;
    case Kind::MultiStep: {
      std::string ms;
      for (size_t i = 0; i < milestones.size(); ++i) ms += (i ? "," : "") + std::to_string(milestones[i]);
      out = kd::str("multistep lr ", base_lr, " x", gamma, " at [", ms, "]");
      break;
    }
    case Kind::Cosine: out = kd::str("cosine lr ", base_lr, " -> ", min_lr, " by ", total_steps); break;
  }
  if (warmup_steps > 0) out += kd::str(", warm-up ", warmup_steps, " from x", warmup_start_factor);
  return out;
}

LrSchedule::Kind LrSchedule::kind_from_name(const std::string& name) {
  if (name == "constant") return Kind::Constant;
  if (name == "step") return Kind::Step;
  if (name == "multistep") return Kind::MultiStep;
  if (name == "cosine") return Kind::Cosine;
  KD_FAIL("unknown lr schedule '", name, "' (known: constant, step, multistep, cosine)");
}

}  // namespace kd
