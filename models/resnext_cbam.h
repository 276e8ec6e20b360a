#pragma once
// The ResNeXt-CBAM face backbone of torch_reference.ResNeXtCBAM, parameter for parameter:
// stem (conv3x3, BN, PReLU) -> stages of CBAM bottleneck blocks (first block of each stage
// stride 2) -> BN -> flatten or global average -> Linear -> BatchNorm1d = embedding.
#include <memory>
#include <vector>

#include "engine/module.h"
#include "losses/kd_losses.h"
#include "models/batch_norm.h"
#include "models/block.h"
#include "models/layers.h"
#include "models/resnext_config.h"

namespace kd::models {

struct BackboneOutput {
  Tensor embedding;                                  // (N, emb) after fbn
  std::vector<kd::losses::AttentionMaps> attention;  // per stage end: ca (N,C,1,1), sa (N,1,H,W)
  Tensor features;                                   // (N, C, h, w) after the final bn, before flatten/avg
};

// nn.Sequential(Conv2d(3, stem, 3, 1, 1), BatchNorm2d(stem), PReLU(stem)): children "0", "1", "2".
class Stem : public Module {
 public:
  Stem(int64_t c, Generator& g);
  Tensor forward(const Tensor& x);

 private:
  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<BatchNorm> bn_;
  std::shared_ptr<PReLU> act_;
};

// nn.ModuleList of blocks: children "0", "1", ...
class BlockList : public Module {
 public:
  void append(std::shared_ptr<Block> b);
  size_t size() const { return blocks_.size(); }
  Block& operator[](size_t i) { return *blocks_[i]; }

 private:
  std::vector<std::shared_ptr<Block>> blocks_;
};

class ResNeXtCBAM : public kd::Module {
 public:
  ResNeXtCBAM(const ResNeXtConfig& cfg, uint64_t seed);  // PyTorch default init, seeded
  // x (N, 3, size, size); the "avg" head also takes other sides (the tiny model at 32x32).
  BackboneOutput forward(const Tensor& x);
  const ResNeXtConfig& config() const { return cfg_; }
  const std::vector<size_t>& stage_ends() const { return stage_ends_; }  // block indices

 private:
  ResNeXtConfig cfg_;
  std::vector<size_t> stage_ends_;
  std::shared_ptr<Stem> stem_;
  std::shared_ptr<BlockList> blocks_;
  std::shared_ptr<BatchNorm> bn_;
  std::shared_ptr<Linear> fc_;
  std::shared_ptr<BatchNorm> fbn_;
};

// (N, C, H, W) -> (N, C, H/p, W/p): the mean of each p x p tile (ResNeXtConfig::input_pool).
Tensor average_pool_input(const Tensor& x, int64_t p);

// Number of parameters (torch_reference's count()) by formula, without building the model.
int64_t parameter_count(const ResNeXtConfig& cfg);

}  // namespace kd::models
