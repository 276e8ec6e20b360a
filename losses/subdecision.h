#pragma once
// Seed 001's consistent sub-decision head ("Consistent Sub-Decision Network for Low-Quality
// Masked Face Recognition"): n dropout blocks on the flattened feature map, each followed by
// the same embedding layer and CosFace classifier, give n sub-decisions; a concept branch
// weighs them per sample. Formulas and what is our choice: docs/methods.md.
#include <cstdint>
#include <vector>

#include "engine/config.h"
#include "engine/module.h"

namespace kd::losses {

struct SubDecisionParams {
  int64_t feat_dim = 0;  // F: length of the flattened feature map
  int64_t emb = 512;
  int64_t classes = 0;
  int n = 3;               // sub-decisions (dropout blocks)
  double drop_p = 0.5;     // dropout probability of each block
  double s = 64.0;         // CosFace scale
  double m = 0.35;         // CosFace margin
  double T = 1.0;          // temperature of the sub-decision distributions (KL, information, C(X))
  bool eval_dropout = false;  // keep the seeded masks at evaluation (C(X) as a test-time score)

  // Keys n, drop_p, s, m, T, eval_dropout (all optional); feat_dim, emb, classes come from the
  // model and the data, not the config.
  static SubDecisionParams from_config(const ConfigReader& r, int64_t feat_dim, int64_t emb, int64_t classes);
  void validate() const;  // throws naming the field and its allowed range
};

struct SubDecisionOut {
  std::vector<Tensor> sub_embeddings;  // n x (N, emb)
  std::vector<Tensor> sub_logits;      // n x (N, classes): s cos, no margin (the identity logits)
  Tensor weights;                      // (N, n): concept branch, softmax over the sub-decisions
  Tensor embedding;                    // (N, emb): sum_k weights[:, k] * sub_embeddings[k]
  Tensor consistency;                  // (N) in [0, 1]; no graph
  Tensor cosface;                      // scalar: mean over k of CE(CosFace logits of k); labels given
  Tensor kl;                           // scalar: subdecision_kl; train with n >= 2 only
};

class SubDecisionHead : public Module {
 public:
  // Parameters are drawn on the CPU in double from seed, then converted to dtype (F64 exists
  // for the finite-difference checks) and moved to device: the same seed gives the same head.
  SubDecisionHead(int64_t feat_dim, int64_t emb, int64_t classes, int n, double drop_p, double s, double m,
                  uint64_t seed);
  SubDecisionHead(const SubDecisionParams& p, uint64_t seed, DType dtype = DType::F32, Device device = cpu());

  // features_flat (N, F); labels int64 (N) or undefined (then no cosface term). seed keys the
  // n dropout masks (block k uses mix64(seed, k)): pass a function of (run seed, step) so a
  // step is bit-reproducible. train = false switches dropout off unless eval_dropout is set.
  SubDecisionOut forward(const Tensor& features_flat, const Tensor& labels, uint64_t seed, bool train) const;

  const SubDecisionParams& params() const { return p_; }

 private:
  // Looked up by name on every forward rather than cached, so a state_dict load or a device
  // move that replaces a parameter's handle is seen.
  Tensor param(const std::string& name) const;

  SubDecisionParams p_;
};

}  // namespace kd::losses
