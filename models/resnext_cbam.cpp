#include "models/resnext_cbam.h"

#include "kernels/conv2d/conv2d.h"
#include "kernels/pool/pool.h"
#include "kernels/shape/shape_ops.h"
#include "models/conv_bn.h"

namespace kd::models {

Stem::Stem(int64_t c, Generator& g) {
  conv_ = register_module("0", std::make_shared<Conv2d>(3, c, 3, 1, 1, 1, g));
  bn_ = register_module("1", std::make_shared<BatchNorm>(c));
  act_ = register_module("2", std::make_shared<PReLU>(c));
}

Tensor Stem::forward(const Tensor& x) { return act_->forward(conv_bn(*conv_, *bn_, x, false)); }

void BlockList::append(std::shared_ptr<Block> b) {
  register_module(std::to_string(blocks_.size()), b);
  blocks_.push_back(std::move(b));
}

ResNeXtCBAM::ResNeXtCBAM(const ResNeXtConfig& cfg, uint64_t seed) : cfg_(cfg) {
  cfg_.validate("ResNeXtCBAM config");
  Generator g(seed);
  stem_ = register_module("stem", std::make_shared<Stem>(cfg_.stem, g));
  blocks_ = register_module("blocks", std::make_shared<BlockList>());
  int64_t cin = cfg_.stem;
  for (size_t s = 0; s < cfg_.depths.size(); ++s) {
    for (int64_t i = 0; i < cfg_.depths[s]; ++i) {
      blocks_->append(std::make_shared<Block>(cin, cfg_.widths[s], i == 0 ? 2 : 1, cfg_.groups, cfg_.reduction,
                                              cfg_.spatial_kernel, g));
      cin = cfg_.widths[s];
    }
    stage_ends_.push_back(blocks_->size() - 1);
  }
  bn_ = register_module("bn", std::make_shared<BatchNorm>(cin));
  fc_ = register_module("fc", std::make_shared<Linear>(cfg_.fc_in(), cfg_.emb, g));
  fbn_ = register_module("fbn", std::make_shared<BatchNorm>(cfg_.emb));
}

// p x p average pooling as a depthwise convolution with constant taps: one op that every
// backend already runs, and torch's nn.AvgPool2d(p) computes the same numbers.
Tensor average_pool_input(const Tensor& x, int64_t p) {
  KD_CHECK(x.size(2) % p == 0 && x.size(3) % p == 0, "ResNeXtCBAM.forward: input_pool ", p,
           " needs sides divisible by it, got ", shape_str(x.shape()));
  Tensor w = Tensor::full({x.size(1), 1, p, p}, 1.0 / double(p * p), x.dtype(), x.device());
  Conv2dParams cp;
  cp.stride = int(p);
  cp.groups = int(x.size(1));
  return conv2d(x, w, Tensor(), cp);
}

BackboneOutput ResNeXtCBAM::forward(const Tensor& x) {
  KD_CHECK(x.dim() == 4 && x.size(1) == 3, "ResNeXtCBAM.forward: expected x of shape (N, 3, H, W), got ",
           shape_str(x.shape()));
  if (cfg_.head == "flatten")
    KD_CHECK(x.size(2) == cfg_.size && x.size(3) == cfg_.size, "ResNeXtCBAM.forward: the flatten head needs ",
             cfg_.size, "x", cfg_.size, " inputs (config size), got ", shape_str(x.shape()));
  BackboneOutput out;
  Tensor h = stem_->forward(cfg_.input_pool > 1 ? average_pool_input(x, cfg_.input_pool) : x);
  size_t next_end = 0;
  for (size_t i = 0; i < blocks_->size(); ++i) {
    BlockOutput b = (*blocks_)[i].forward(h);
    h = b.y;
    if (next_end < stage_ends_.size() && stage_ends_[next_end] == i) {
      out.attention.push_back({b.ca, b.sa});
      ++next_end;
    }
  }
  out.features = bn_->forward(h);  // (N, C, h, w)
  Tensor flat = cfg_.head == "flatten" ? flatten(out.features, 1)
                                       : flatten(global_avg_pool(out.features), 1);  // (N, fc_in)
  out.embedding = fbn_->forward(fc_->forward(flat));                               // (N, emb)
  return out;
}

int64_t parameter_count(const ResNeXtConfig& cfg) {
  cfg.validate("parameter_count");
  const int64_t k = cfg.spatial_kernel;
  int64_t n = 3 * cfg.stem * 9 + 2 * cfg.stem + cfg.stem;  // conv, BN, PReLU
  int64_t cin = cfg.stem;
  for (size_t s = 0; s < cfg.depths.size(); ++s) {
    const int64_t cout = cfg.widths[s], w = cout / 2;
    for (int64_t i = 0; i < cfg.depths[s]; ++i) {
      n += cin * w + 2 * w;                         // c1, b1
      n += w * (w / cfg.groups) * 9 + 2 * w;        // c2 (grouped), b2
      n += w * cout + 2 * cout;                     // c3, b3
      n += 2 * cout * CBAM::hidden(cout, cfg.reduction) + 2 * k * k;  // fc1, fc2, spatial
      if (i == 0 || cin != cout) n += cin * cout + 2 * cout;          // down (stride 2 or width change)
      cin = cout;
    }
  }
  n += 2 * cin;                                    // bn
  n += cfg.fc_in() * cfg.emb + cfg.emb + 2 * cfg.emb;  // fc, fbn
  return n;
}

}  // namespace kd::models
