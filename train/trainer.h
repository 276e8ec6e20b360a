#pragma once
// The training loop behind kdface-train: builds the student (and a frozen teacher), streams
// batches from the loader, sums the configured loss terms, steps SGD, logs, evaluates and
// checkpoints; --resume continues bit for bit on the CPU backend.
#include <cstdint>
#include <string>
#include <vector>

#include "train/train_config.h"

namespace kd::train {

struct RunOptions {
  std::string out_dir;
  bool resume = false;
  int64_t stop_after = 0;  // > 0: stop (as if killed) right after this step's checkpoint; for tests
  bool quiet = false;      // no progress line (tests)
};

struct RunSummary {
  int64_t steps = 0, epochs_done = 0;
  double last_loss = 0.0;
  std::string last_checkpoint;
  double best_accuracy = -1.0;  // from the epoch evaluations, -1 when none ran
};

// Throws kd::Error with a message meant for the user (bad config, missing data, NaN loss:
// the step, the term and the last good checkpoint are named).
RunSummary run_training(const TrainConfig& cfg, const RunOptions& opt);

}  // namespace kd::train
