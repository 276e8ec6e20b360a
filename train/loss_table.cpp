#include "train/loss_table.h"

#include "engine/autograd.h"
#include "engine/check.h"
#include "kernels/elementwise/elementwise.h"
#include "losses/kd_losses.h"
#include "train/nets.h"
#include "train/sharded_head.h"
#include "train/train_config.h"

namespace kd::train {

namespace {

// s·cos logits of the student's embedding against its own head.
Tensor student_logits(const TermInputs& in) {
  return scale(in.student.head->cosine(in.s.embedding), in.cfg.head_s);
}

Tensor teacher_logits(const TermInputs& in) {
  autograd::NoGradGuard ng;
  return scale(in.teacher->head->cosine(in.t.embedding), in.cfg.head_s);
}

}  // namespace

const std::vector<LossTermSpec>& loss_table() {
  // Rows in the order the terms are summed and logged.
  static const std::vector<LossTermSpec> table = {
      {"cls", 1.0, false, true, false,
       [](const TermInputs& in) {
         return in.student.head_comm ? sharded_head_loss(*in.student.head_comm, *in.student.head, in.s.embedding, in.batch.label)
                                     : in.student.head->loss(in.s.embedding, in.batch.label);
       }},
      {"kd_logit", 0.0, true, true, false,
       [](const TermInputs& in) { return losses::kd_logit(student_logits(in), teacher_logits(in), in.cfg.loss.kd_T); }},
      {"kd_attention", 0.0, true, false, false,
       [](const TermInputs& in) {
         return losses::kd_attention(in.s.attention, in.t.attention, in.cfg.loss.kd_attention_maps == "both");
       }},
      {"kd_instance", 0.0, true, false, false,
       [](const TermInputs& in) { return losses::kd_instance(in.s.embedding, in.t.embedding); }},
      {"kd_relation", 0.0, true, false, false,
       [](const TermInputs& in) { return losses::kd_relation(in.s.embedding, in.t.embedding); }},
      {"feature_mimic", 0.0, true, false, false,
       [](const TermInputs& in) { return in.student.mimic->forward(in.s.embedding, in.t.embedding); }},
      {"subdecision_cls", 0.0, false, true, true, [](const TermInputs& in) { return in.sd->cosface; }},
      {"subdecision_kl", 0.0, false, false, true, [](const TermInputs& in) { return in.sd->kl; }},
      {"embed_kd", 0.0, true, false, true,
       [](const TermInputs& in) { return losses::kd_instance(in.sd->embedding, in.t.embedding); }},
  };
  return table;
}

}  // namespace kd::train
