#pragma once
// kdface-train's config, read strictly from JSON (unknown keys are errors naming the key) and
// written back resolved — every default filled in — to <run>/config.json.
// The schema, with defaults, is documented in docs/training.md; configs/*.json are recipes.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "losses/loss_terms.h"

namespace kd::train {

// The "loss" section: one weight per row of train/loss_table.h (absent keys take the row's
// default), and the options of two terms.
struct LossConfig {
  LossConfig();                     // every row at its default weight
  losses::LossWeights weights;      // in loss_table() order
  double kd_T = 4.0;                // kd_logit's temperature
  std::string kd_attention_maps = "both";  // both | spatial (a student narrower than its teacher)

  double weight(const std::string& term) const { return weights.weight(term); }
  // A term that reads the teacher has weight > 0 (then a teacher forward runs every step).
  bool needs_teacher() const;
};

struct TrainConfig {
  std::string name = "run";
  uint64_t seed = 0;
  std::string device = "cpu";
  // "fp32" or "bf16": conv2d / linear / matmul of the training step under bf16 autocast
  // (kernels/precision/autocast.h); everything else, master weights and evaluation stay fp32.
  std::string precision = "fp32";

  // data
  std::string train_shards;             // shard set folder (kdface-data pack)
  int64_t batch = 64;                   // the global batch: N data-parallel ranks take batch / N each
  int threads = 2;
  bool flip = true;
  bool sync_bn = false;                 // data parallel: BatchNorm statistics over the global batch
  std::string student_input = "hr";     // hr | lr | masked
  std::string teacher_input = "hr";
  nlohmann::json degrade = nlohmann::json::object();  // data::DegradeSpec, validated by data/
  std::vector<int> scales{1};
  std::string mask_bank;
  bool use_labels = true;               // false: no identity loss (seed 003 step 1)
  std::string on_corrupt = "stop";      // an unreadable record: "stop" the run, or "skip" it (docs/training.md)
  int64_t max_corrupt = 100;            // "skip": stop once more distinct records than this were unreadable

  // models
  nlohmann::json student_model = {{"preset", "tiny"}};
  std::string head_kind = "arcface";    // arcface | cosface
  double head_s = 64.0, head_m = 0.5;
  // The margin grows linearly from 0 to head_m over the first head_m_warmup steps: from
  // scratch on few identities a full margin at step 0 keeps the loss near its start.
  int64_t head_m_warmup = 0;
  // Data parallel: each rank holds classes / N of the class centres and the softmax spans the
  // ranks (train/sharded_head.h). Only the "cls" term reads a sharded head.
  bool head_sharded = false;
  bool has_teacher = false;
  nlohmann::json teacher_model = nlohmann::json::object();
  std::string teacher_checkpoint;       // a kdface checkpoint (or run dir: its latest)
  std::string init_checkpoint;          // optional warm start of the student (seed 003 step 2)
  // seed 001
  bool subdecision = false;
  int64_t subdecision_n = 3;
  double subdecision_drop = 0.5;

  LossConfig loss;

  // optimisation
  double lr = 0.1, momentum = 0.9, weight_decay = 5e-4;
  std::string schedule = "step";        // constant | step | multistep | cosine
  std::string schedule_unit = "epoch";  // epoch | step
  int64_t step_size = 5;
  std::vector<int64_t> milestones;
  double gamma = 0.1;
  int64_t warmup = 0;                   // in schedule units
  int64_t epochs = 20;
  int64_t max_steps = 0;                // > 0: stop after this many steps (smoke runs)

  // bookkeeping
  int64_t log_every = 10;
  int64_t checkpoint_every = 500;       // steps; a checkpoint is also written at the end
  int64_t keep_checkpoints = 3;

  // evaluation on a pair list after each epoch (skipped when pairs is empty)
  std::string eval_pairs, eval_root, eval_format = "tsv";
  std::vector<int> eval_scales{1};
  bool eval_adabn = false;
  int64_t eval_max_pairs = 0;           // > 0: first N pairs only (quick checks)
  int64_t eval_batch = 128;

  nlohmann::json raw;                   // the resolved JSON as written to config.json
};

// Reads cfg (after --set overrides); source names the file in messages. Relative paths in
// the config resolve against base_dir (the config file's folder is NOT used: recipes are
// written relative to the repository root, where README's commands run).
TrainConfig parse_train_config(const nlohmann::json& cfg, const std::string& source);
nlohmann::json to_json(const TrainConfig& c);

}  // namespace kd::train
