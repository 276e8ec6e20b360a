#include "train/loss_step.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/reduce/reduce.h"
#include "kernels/shape/shape_ops.h"
#include "losses/kd_losses.h"
#include "losses/loss_terms.h"

namespace kd::train {

const Tensor& pick_input(const data::Batch& b, const std::string& which) {
  const Tensor& t = which == "lr" ? b.lr : which == "masked" ? b.masked : b.hr;
  KD_CHECK(t.defined(), "the batch has no \"", which, "\" images (loader misconfigured)");
  return t;
}

LossStep::LossStep(const TrainConfig& cfg, StudentNet& student, TeacherNet* teacher)
    : cfg_(cfg), student_(student), teacher_(teacher) {}

LossValues LossStep::compute(const data::Batch& batch, int64_t step) {
  const LossWeights& w = cfg_.loss;
  // Every term the config can weigh, in logging order; zero weights are simply not computed.
  losses::LossTerms terms(losses::LossWeights({{"cls", w.cls},
                                               {"kd_logit", w.kd_logit},
                                               {"kd_attention", w.kd_attention},
                                               {"kd_instance", w.kd_instance},
                                               {"kd_relation", w.kd_relation},
                                               {"feature_mimic", w.feature_mimic},
                                               {"subdecision_cls", w.subdecision_cls},
                                               {"subdecision_kl", w.subdecision_kl},
                                               {"embed_kd", w.embed_kd}}));
  if (cfg_.head_m_warmup > 0 && student_.head)
    student_.head->set_margin(cfg_.head_m * std::min(1.0, double(step + 1) / double(cfg_.head_m_warmup)));
  LossValues out;
  // A non-finite term stops the run; the first one found is reported.
  auto term = [&](const std::string& name, const Tensor& v) {
    double x = v.item();
    if (!std::isfinite(x)) {
      if (out.finite) {
        out.finite = false;
        out.bad_term = name;
        out.bad_value = x;
      }
      out.values[name] = x;
      return;
    }
    terms.add(name, v);
  };

  models::BackboneOutput t_out;
  Tensor t_logits;
  if (w.needs_teacher()) {
    autograd::NoGradGuard ng;
    t_out = teacher_->backbone->forward(pick_input(batch, cfg_.teacher_input));
    if (w.kd_logit > 0) t_logits = scale(teacher_->head->cosine(t_out.embedding), cfg_.head_s);
  }

  models::BackboneOutput s_out = student_.backbone->forward(pick_input(batch, cfg_.student_input));
  const Tensor& emb = s_out.embedding;
  if (w.cls > 0) term("cls", student_.head->loss(emb, batch.label));
  if (w.kd_logit > 0)
    term("kd_logit", losses::kd_logit(scale(student_.head->cosine(emb), cfg_.head_s), t_logits, w.kd_T));
  if (w.kd_attention > 0) term("kd_attention", losses::kd_attention(s_out.attention, t_out.attention));
  if (w.kd_instance > 0) term("kd_instance", losses::kd_instance(emb, t_out.embedding));
  if (w.kd_relation > 0) term("kd_relation", losses::kd_relation(emb, t_out.embedding));
  if (w.feature_mimic > 0) term("feature_mimic", student_.mimic->forward(emb, t_out.embedding));
  if (student_.subdecision) {
    // Dropout masks keyed by (run seed, step): a resumed step draws the same masks.
    losses::SubDecisionOut sd = student_.subdecision->forward(flatten(s_out.features), batch.label,
                                                              mix64(cfg_.seed ^ 0x5d5d5d5dULL, uint64_t(step)), true);
    if (w.subdecision_cls > 0) term("subdecision_cls", sd.cosface);
    if (w.subdecision_kl > 0) term("subdecision_kl", sd.kl);
    if (w.embed_kd > 0) term("embed_kd", losses::kd_instance(sd.embedding, t_out.embedding));
    out.values["consistency"] = mean(sd.consistency).item();
  }
  if (!out.finite) return out;
  out.total = terms.total();
  for (auto& [name, v] : terms.values()) out.values[name] = v;
  if (!std::isfinite(out.values["total"])) {
    out.finite = false;
    out.bad_term = "total";
    out.bad_value = out.values["total"];
  }
  return out;
}

}  // namespace kd::train
