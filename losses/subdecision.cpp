#include "losses/subdecision.h"

#include <cmath>

#include "kernels/dropout/dropout.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/margin/margin_ce.h"
#include "kernels/matmul/matmul.h"
#include "kernels/normalize/l2_normalize.h"
#include "kernels/shape/shape_ops.h"
#include "kernels/softmax/softmax.h"
#include "losses/subdecision_kl.h"

namespace kd::losses {

namespace {

// A child holding PyTorch-named parameters ("embed.weight", ...), so checkpoints read like
// an nn.Linear's state_dict.
struct ParamBlock : Module {
  Tensor add(const std::string& name, Tensor t) { return register_parameter(name, std::move(t)); }
};

// nn.Linear's default initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
Tensor linear_init(const Shape& s, int64_t fan_in, Generator& g, DType t) {
  const double b = 1.0 / std::sqrt(double(fan_in));
  return Tensor::uniform(s, g, -b, b, DType::F64).to(t);  // drawn in double: same values in either dtype
}

// Column k of w (N, n) as (N, 1), differentiable: w e_k.
Tensor column(const Tensor& w, int64_t k, int64_t n) {
  std::vector<double> e(size_t(n), 0.0);
  e[size_t(k)] = 1.0;
  Tensor ek = Tensor::from(e, {n, 1}).to(w.dtype());
  return matmul(w, w.device().is_cpu() ? ek : ek.to(w.device()));
}

}  // namespace

SubDecisionParams SubDecisionParams::from_config(const ConfigReader& r, int64_t feat_dim, int64_t emb,
                                                 int64_t classes) {
  SubDecisionParams p;
  p.feat_dim = feat_dim;
  p.emb = emb;
  p.classes = classes;
  p.n = r.get_or<int>("n", p.n);
  p.drop_p = r.get_or<double>("drop_p", p.drop_p);
  p.s = r.get_or<double>("s", p.s);
  p.m = r.get_or<double>("m", p.m);
  p.T = r.get_or<double>("T", p.T);
  p.eval_dropout = r.get_or<bool>("eval_dropout", p.eval_dropout);
  try {
    p.validate();
  } catch (const Error& e) {
    KD_FAIL(r.path(""), ": ", e.what());
  }
  return p;
}

void SubDecisionParams::validate() const {
  KD_CHECK(feat_dim > 0 && emb > 0 && classes > 0, "SubDecisionHead: feat_dim, emb and classes must be positive, got ",
           feat_dim, ", ", emb, ", ", classes);
  KD_CHECK(n >= 1 && n <= 64, "SubDecisionHead: n (sub-decisions) must be in [1, 64], got ", n);
  KD_CHECK(drop_p >= 0 && drop_p < 1, "SubDecisionHead: drop_p must be in [0, 1), got ", drop_p);
  KD_CHECK(std::isfinite(s) && s > 0, "SubDecisionHead: CosFace s must be positive, got ", s);
  KD_CHECK(std::isfinite(m) && m >= 0 && m < 1, "SubDecisionHead: CosFace m must be in [0, 1), got ", m);
  KD_CHECK(std::isfinite(T) && T > 0, "SubDecisionHead: temperature T must be positive, got ", T);
}

SubDecisionHead::SubDecisionHead(int64_t feat_dim, int64_t emb, int64_t classes, int n, double drop_p, double s,
                                 double m, uint64_t seed)
    : SubDecisionHead(
          [&] {
            SubDecisionParams p;
            p.feat_dim = feat_dim, p.emb = emb, p.classes = classes, p.n = n, p.drop_p = drop_p, p.s = s, p.m = m;
            return p;
          }(),
          seed) {}

SubDecisionHead::SubDecisionHead(const SubDecisionParams& p, uint64_t seed, DType dtype, Device device) : p_(p) {
  p_.validate();
  KD_CHECK(dtype == DType::F32 || dtype == DType::F64, "SubDecisionHead: parameters must be float32 or float64, got ",
           dtype_name(dtype));
  Generator g(seed);
  auto place = [&](Tensor t) { return device.is_cpu() ? t : t.to(device); };
  auto embed = register_module("embed", std::make_shared<ParamBlock>());
  embed->add("weight", place(linear_init({p.emb, p.feat_dim}, p.feat_dim, g, dtype)));
  embed->add("bias", place(linear_init({p.emb}, p.feat_dim, g, dtype)));
  auto concept_ = register_module("concept", std::make_shared<ParamBlock>());
  // no bias: one shared by the n scores would cancel in the softmax over them
  concept_->add("weight", place(linear_init({1, p.feat_dim}, p.feat_dim, g, dtype)));
  auto cls = register_module("classifier", std::make_shared<ParamBlock>());
  cls->add("weight", place(Tensor::randn({p.classes, p.emb}, g, DType::F64, 0.01).to(dtype)));
}

Tensor SubDecisionHead::param(const std::string& name) const {
  for (auto& [n, t] : named_parameters())
    if (n == name) return t;
  KD_FAIL("SubDecisionHead: no parameter '", name, "'");
}

SubDecisionOut SubDecisionHead::forward(const Tensor& x, const Tensor& labels, uint64_t seed, bool train) const {
  check_dim(x, 2, "SubDecisionHead.forward: features_flat (N, F)");
  const Tensor embed_w = param("embed.weight"), embed_b = param("embed.bias");  // (emb, F), (emb)
  const Tensor concept_w = param("concept.weight"), class_w = param("classifier.weight");  // (1, F), (classes, emb)
  check_same_dtype_device(x, embed_w, "SubDecisionHead.forward: features_flat vs the head's parameters");
  KD_CHECK(x.size(1) == p_.feat_dim, "SubDecisionHead.forward: features_flat has ", x.size(1),
           " features per sample, the head was built for feat_dim = ", p_.feat_dim);
  const int64_t nsub = p_.n;
  const bool drop = train || p_.eval_dropout;
  SubDecisionOut out;
  Tensor wn = l2_normalize(class_w);  // (classes, emb)
  std::vector<Tensor> scores;          // n x (N, 1)
  for (int64_t k = 0; k < nsub; ++k) {
    Tensor d = dropout(x, p_.drop_p, drop, mix64(seed, uint64_t(k)));  // (N, F)
    Tensor e = linear(d, embed_w, embed_b);                             // (N, emb)
    scores.push_back(linear(d, concept_w, Tensor()));                   // (N, 1)
    Tensor cos = linear(l2_normalize(e), wn, Tensor());                 // (N, classes)
    out.sub_embeddings.push_back(e);
    out.sub_logits.push_back(scale(cos, p_.s));
    if (labels.defined()) {
      Tensor ce = margin_cross_entropy(cos, labels, {MarginKind::CosFace, p_.s, p_.m});
      out.cosface = out.cosface.defined() ? add(out.cosface, ce) : ce;
    }
  }
  if (out.cosface.defined()) out.cosface = scale(out.cosface, 1.0 / double(nsub));
  out.weights = softmax(nsub == 1 ? scores[0] : concat(scores, 1));  // (N, n)
  for (int64_t k = 0; k < nsub; ++k) {
    Tensor part = mul(column(out.weights, k, nsub), out.sub_embeddings[size_t(k)]);  // (N, emb)
    out.embedding = out.embedding.defined() ? add(out.embedding, part) : part;
  }
  out.consistency = consistency_score(out.sub_logits, p_.T);
  if (train && nsub >= 2) out.kl = subdecision_kl(out.sub_logits, out.weights, p_.T);
  return out;
}

}  // namespace kd::losses
