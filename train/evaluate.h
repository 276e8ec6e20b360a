#pragma once
// Verification accuracy on a pair list during training (the askd protocol at each configured
// scale); kdface-eval is the full report. With eval.adabn the BN statistics are re-estimated
// on the degraded images first and restored afterwards, so training continues unchanged.
#include <cstdint>

#include <nlohmann/json.hpp>

#include "data/loader.h"
#include "train/nets.h"
#include "train/train_config.h"

namespace kd::train {

// Returns {"accuracy": mean over scales, "scales": {"1": {...}, ...}, "summary": "..."}.
nlohmann::json evaluate_pairs(const TrainConfig& cfg, StudentNet& student, data::Loader& train_loader, int64_t epoch);

}  // namespace kd::train
