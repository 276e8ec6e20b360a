#pragma once
// Training checkpoints: one safetensors file per checkpoint, written atomically (a reader or a
// resumed run sees the previous file or the complete new one, never a torn one).
//
// File layout (format "kdface-checkpoint", version 1):
//   tensors   "model.<state_dict name>"   model parameters and buffers
//             "optim.<optimiser key>"     optimiser state (SGD: "optim.momentum.<param>")
//   __metadata__ (all strings, as safetensors requires)
//             "format" = "kdface-checkpoint", "format_version" = "1"
//             "step", "epoch"             decimal integers
//             "rng"                       JSON object: generator name -> [4 unsigned 64-bit words]
//                                         (decimal JSON integers, exact; Generator::state())
//             "meta"                      JSON (free-form: resolved config, git hash, metrics)
// Any PyTorch or Python safetensors reader can open the file; the model weights are the
// "model." tensors.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/module.h"
#include "engine/rng.h"

namespace kd {

class SGD;

struct Checkpoint {
  std::map<std::string, Tensor> model;   // Module::state_dict()
  std::map<std::string, Tensor> optim;   // SGD::state_dict()
  int64_t step = 0;
  int64_t epoch = 0;
  std::map<std::string, std::array<uint64_t, 4>> rng;  // Generator::state() by name
  nlohmann::json meta = nlohmann::json::object();
  std::string source;  // the file it was loaded from (for messages); not saved

  // Restoring helpers; every error names the file (source) and the key.
  void restore_model(Module& m) const;          // strict Module::load_state_dict
  void restore_optimizer(SGD& opt) const;
  void restore_rng(const std::string& name, Generator& g) const;
};

// Refuses (throws naming the tensor, and writes nothing) when a tensor holds NaN or infinity:
// a diverged model must never become the checkpoint a run resumes from.
void save_checkpoint(const std::string& path, const Checkpoint& ck);
// "" when every floating tensor of ck is finite, else "model tensor 'x' element 5".
std::string find_non_finite(const Checkpoint& ck);
Checkpoint load_checkpoint(const std::string& path);

// "<dir>/ckpt_<step, 9 digits>.safetensors": names sort in step order.
std::string checkpoint_path(const std::string& dir, int64_t step);

// The checkpoint in dir with the highest step for --resume, or "" when there is none (or dir
// does not exist yet). Only
// *.safetensors files that are complete kdface checkpoints count (header readable, format
// marker present, data length matching the header); temporary files (*.tmp.*) and anything
// else are ignored. Files that look like checkpoints but fail those checks are appended to
// *skipped with the reason, when given.
std::string latest_checkpoint(const std::string& dir, std::vector<std::string>* skipped = nullptr);

}  // namespace kd
