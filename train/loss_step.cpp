#include "train/loss_step.h"

#include <algorithm>
#include <cmath>

#include "engine/autograd.h"
#include "engine/check.h"
#include "engine/rng.h"
#include "kernels/reduce/reduce.h"
#include "kernels/shape/shape_ops.h"
#include "losses/loss_terms.h"
#include "train/loss_table.h"

namespace kd::train {

const Tensor& pick_input(const data::Batch& b, const std::string& which) {
  const Tensor& t = which == "lr" ? b.lr : which == "masked" ? b.masked : b.hr;
  KD_CHECK(t.defined(), "the batch has no \"", which, "\" images (loader misconfigured)");
  return t;
}

LossStep::LossStep(const TrainConfig& cfg, StudentNet& student, TeacherNet* teacher)
    : cfg_(cfg), student_(student), teacher_(teacher) {}

LossValues LossStep::compute(const data::Batch& batch, int64_t step) {
  const LossConfig& lc = cfg_.loss;
  if (cfg_.head_m_warmup > 0 && student_.head)
    student_.head->set_margin(cfg_.head_m * std::min(1.0, double(step + 1) / double(cfg_.head_m_warmup)));

  models::BackboneOutput t_out;
  if (lc.needs_teacher()) {
    autograd::NoGradGuard ng;
    t_out = teacher_->backbone->forward(pick_input(batch, cfg_.teacher_input));
  }
  models::BackboneOutput s_out = student_.backbone->forward(pick_input(batch, cfg_.student_input));
  losses::SubDecisionOut sd;
  LossValues out;
  if (student_.subdecision) {
    // Dropout masks keyed by (run seed, step): a resumed step draws the same masks.
    sd = student_.subdecision->forward(flatten(s_out.features), batch.label,
                                       mix64(cfg_.seed ^ 0x5d5d5d5dULL, uint64_t(step)), true);
    out.values["consistency"] = mean(sd.consistency).item();
  }

  const TermInputs in{cfg_, batch, student_, s_out, teacher_, t_out, student_.subdecision ? &sd : nullptr};
  losses::LossTerms terms(lc.weights);
  for (const LossTermSpec& spec : loss_table()) {
    if (lc.weight(spec.name) == 0) continue;  // not computed at all
    const Tensor v = spec.compute(in);
    const double x = v.item();  // the one host read of this term
    if (!std::isfinite(x)) {
      // A non-finite term stops the run; the first one found is reported.
      if (out.finite) {
        out.finite = false;
        out.bad_term = spec.name;
        out.bad_value = x;
      }
      out.values[spec.name] = x;
      continue;
    }
    terms.add(spec.name, v, x);
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
