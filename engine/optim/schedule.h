#pragma once
// Learning-rate schedules as a plain value: lr_at(step) is a pure function of the step, so a
// resumed run needs only the saved step to continue on the same curve. "step" is whatever unit
// the caller advances (iterations or epochs); every length below is in that same unit.
//
//   warm-up (step < warmup_steps): lr = decay(step) * f, f rising linearly from
//       warmup_start_factor at step 0 to 1 at step warmup_steps (PyTorch LinearLR, chained)
//   Constant:  decay(step) = base_lr
//   Step:      base_lr * gamma^(step / step_size)                 (PyTorch StepLR)
//   MultiStep: base_lr * gamma^(number of milestones <= step)     (PyTorch MultiStepLR)
//     Step and MultiStep count from step 0, not from the end of warm-up, so milestones are
//     absolute epochs/iterations as written in a config.
//   Cosine:    min_lr + (base_lr - min_lr) * (1 + cos(pi * t / T)) / 2 with t = step - warmup_steps,
//     T = total_steps - warmup_steps (PyTorch CosineAnnealingLR's closed form when warm-up is 0);
//     during warm-up decay(step) = base_lr; from total_steps on, lr stays at min_lr.
#include <cstdint>
#include <string>
#include <vector>

namespace kd {

struct LrSchedule {
  enum class Kind { Constant, Step, MultiStep, Cosine };

  Kind kind = Kind::Constant;
  double base_lr = 0.1;
  int64_t warmup_steps = 0;
  double warmup_start_factor = 0.0;
  int64_t step_size = 0;               // Step
  std::vector<int64_t> milestones;     // MultiStep, strictly increasing
  double gamma = 0.1;                  // Step, MultiStep
  int64_t total_steps = 0;             // Cosine
  double min_lr = 0.0;                 // Cosine

  static LrSchedule constant(double base_lr);
  static LrSchedule step(double base_lr, int64_t step_size, double gamma = 0.1);
  static LrSchedule multistep(double base_lr, std::vector<int64_t> milestones, double gamma = 0.1);
  static LrSchedule cosine(double base_lr, int64_t total_steps, double min_lr = 0.0);
  LrSchedule with_warmup(int64_t steps, double start_factor = 0.0) const;

  // Throws naming the offending field (negative lengths, unsorted milestones, ...).
  void validate() const;
  double lr_at(int64_t step) const;  // validates; step >= 0
  std::string str() const;           // one line for logs
  static Kind kind_from_name(const std::string& name);  // "constant", "step", "multistep", "cosine"
};

}  // namespace kd
