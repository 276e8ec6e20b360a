#pragma once
// The classifier of face recognition training: cosine between L2-normalised embeddings and
// L2-normalised class weights, with an additive angular (ArcFace) or cosine (CosFace) margin
// at the label (formulas in kernels/margin/margin.h). Parameter "w" (classes, emb), as
// torch_reference.ArcFace.
#include <string>

#include "engine/module.h"
#include "kernels/margin/margin.h"

namespace kd::models {

class MarginHead : public kd::Module {
 public:
  // kind "arcface" | "cosface"; w ~ randn * 0.01 from seed. A shard [shard_begin, shard_end) of
  // the classes holds just those rows of w, initialised as the same rows of the whole head
  // (the sharded margin head of data-parallel training; its loss is train/sharded_head.h's).
  MarginHead(int64_t emb, int64_t classes, const std::string& kind, double s, double m, uint64_t seed,
             int64_t shard_begin = 0, int64_t shard_end = -1);
  Tensor logits(const Tensor& embedding, const Tensor& labels);  // (N, classes), margin at the label, times s
  Tensor cosine(const Tensor& embedding);                        // (N, shard classes) plain cos, no margin, no s
  Tensor loss(const Tensor& embedding, const Tensor& labels);    // cross-entropy of logits (scalar)

  const MarginParams& params() const { return p_; }
  void set_margin(double m) { p_.m = m; }  // margin warm-up
  int64_t classes() const { return classes_; }  // all of them, sharded or not
  bool sharded() const { return shard_rows_ != classes_; }
  int64_t shard_begin() const { return shard_begin_; }
  int64_t shard_rows() const { return shard_rows_; }
  int64_t emb() const { return emb_; }

 private:
  int64_t emb_, classes_, shard_begin_, shard_rows_;
  MarginParams p_;
  Tensor w_;  // (classes, emb)
};

}  // namespace kd::models
