#pragma once
// The optimiser and learning-rate schedule a config asks for, and one optimisation step as
// run_training's loop runs it. tests/test_train_parity.cpp drives these same functions
// against PyTorch, so the parity covers the product's step, not a copy of it.
#include <cstdint>

#include "engine/optim/schedule.h"
#include "engine/optim/sgd.h"
#include "train/data_parallel.h"
#include "train/loss_step.h"
#include "train/train_config.h"

namespace kd::train {

SGDOptions sgd_options(const TrainConfig& c);
// total_units counts what c.schedule_unit names: epochs or steps.
LrSchedule make_schedule(const TrainConfig& c, int64_t total_units);

// Sets lr, computes the configured loss terms (under bf16 autocast when asked), then
// backward, the SGD update and cleared gradients. When a term is not finite, returns with
// finite = false before the backward, leaving the parameters untouched. dp (may be null)
// makes it one data-parallel step: gradients averaged over ranks, finiteness agreed.
LossValues optimisation_step(LossStep& losses, SGD& sgd, double lr, const data::Batch& batch, int64_t step,
                             bool bf16, DataParallel* dp = nullptr);

}  // namespace kd::train
