#include "models/margin_head.h"

#include "kernels/margin/margin_ce.h"
#include "kernels/matmul/matmul.h"
#include "kernels/normalize/l2_normalize.h"

namespace kd::models {

MarginHead::MarginHead(int64_t emb, int64_t classes, const std::string& kind, double s, double m, uint64_t seed,
                       int64_t shard_begin, int64_t shard_end)
    : emb_(emb), classes_(classes), shard_begin_(shard_begin), shard_rows_((shard_end < 0 ? classes : shard_end) - shard_begin) {
  KD_CHECK(emb >= 1, "MarginHead: emb must be positive, got ", emb);
  KD_CHECK(classes >= 2, "MarginHead: expected at least 2 classes, got ", classes);
  KD_CHECK(kind == "arcface" || kind == "cosface", "MarginHead: kind must be \"arcface\" or \"cosface\", got \"",
           kind, "\"");
  KD_CHECK(s > 0, "MarginHead: scale s must be positive, got ", s);
  KD_CHECK(m >= 0, "MarginHead: margin m must be >= 0, got ", m);
  p_.kind = kind == "arcface" ? MarginKind::ArcFace : MarginKind::CosFace;
  p_.s = s;
  p_.m = m;
  KD_CHECK(shard_begin >= 0 && shard_rows_ >= 1 && shard_begin + shard_rows_ <= classes, "MarginHead: shard [",
           shard_begin, ", ", shard_begin + shard_rows_, ") outside the ", classes, " classes");
  Generator g(seed);
  Tensor w = Tensor::randn({classes, emb}, g, DType::F32, 0.01);
  w_ = register_parameter("w", sharded() ? w.narrow0(shard_begin, shard_rows_).clone() : w);
}

Tensor MarginHead::cosine(const Tensor& embedding) {
  KD_CHECK(embedding.dim() == 2 && embedding.size(1) == emb_, "MarginHead: expected an embedding of shape (N, ",
           emb_, "), got ", shape_str(embedding.shape()));
  return linear(l2_normalize(embedding), l2_normalize(w_), Tensor());
}

Tensor MarginHead::logits(const Tensor& embedding, const Tensor& labels) {
  KD_CHECK(!sharded(), "MarginHead::logits: a sharded head's logits span every rank (train/sharded_head.h)");
  return margin_logits(cosine(embedding), labels, p_);
}

// The fused op: the same value and gradient as cross_entropy(logits(...)), without the
// (N, classes) margin-logit tensor and its gradient (docs/ops/margin.md).
Tensor MarginHead::loss(const Tensor& embedding, const Tensor& labels) {
  KD_CHECK(!sharded(), "MarginHead::loss: a sharded head's loss spans every rank (train/sharded_head.h)");
  return margin_cross_entropy(cosine(embedding), labels, p_);
}

}  // namespace kd::models
