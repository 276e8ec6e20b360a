#include "losses/loss_terms.h"

#include <cmath>

#include "kernels/elementwise/elementwise.h"
#include "kernels/shape/shape_ops.h"

namespace kd::losses {

namespace {

std::string known_names(const std::vector<std::pair<std::string, double>>& w) {
  std::string s;
  for (auto& [n, v] : w) s += (s.empty() ? "" : ", ") + n;
  return s.empty() ? "(none)" : s;
}

}  // namespace

LossWeights::LossWeights(std::vector<std::pair<std::string, double>> weights) : weights_(std::move(weights)) {
  for (size_t i = 0; i < weights_.size(); ++i) {
    const auto& [name, w] = weights_[i];
    KD_CHECK(!name.empty() && name != "total", "loss weights: a term may not be named '", name,
             "' (\"total\" is the weighted sum in the log)");
    KD_CHECK(std::isfinite(w) && w >= 0, "loss weight '", name, "' must be finite and >= 0, got ", w);
    for (size_t j = 0; j < i; ++j) KD_CHECK(weights_[j].first != name, "loss weights: term '", name, "' given twice");
  }
}

LossWeights LossWeights::from_config(const ConfigReader& section,
                                     const std::vector<std::pair<std::string, double>>& defaults) {
  std::vector<std::pair<std::string, double>> w;
  for (auto& [name, def] : defaults) {
    double v = section.get_or<double>(name, def);
    KD_CHECK(std::isfinite(v) && v >= 0, section.path(name), ": a loss weight must be finite and >= 0, got ", v);
    w.emplace_back(name, v);
  }
  return LossWeights(std::move(w));
}

bool LossWeights::has(const std::string& name) const {
  for (auto& p : weights_)
    if (p.first == name) return true;
  return false;
}

double LossWeights::weight(const std::string& name) const {
  for (auto& p : weights_)
    if (p.first == name) return p.second;
  KD_FAIL("loss term '", name, "' has no weight; the weighted terms are: ", known_names(weights_));
}

LossTerms::LossTerms(LossWeights weights) : weights_(std::move(weights)) {}

void LossTerms::add(const std::string& name, const Tensor& value) {
  // Only a one-element tensor is read; anything else is refused by the checks below.
  add(name, value, value.defined() && value.numel() == 1 ? value.item() : 0.0);
}

void LossTerms::add(const std::string& name, const Tensor& value, double v) {
  const double w = weights_.weight(name);  // throws for an unknown term
  for (auto& t : terms_) KD_CHECK(t.name != name, "loss term '", name, "' added twice in one step");
  KD_CHECK(value.defined(), "loss term '", name, "' is an undefined tensor");
  KD_CHECK(value.numel() == 1, "loss term '", name, "' must be a scalar, got shape ", shape_str(value.shape()));
  KD_CHECK(std::isfinite(v), "loss term '", name, "' is ", v, " (weight ", w, ")");
  terms_.push_back({name, value, v});
}

Tensor LossTerms::total() const {
  Tensor sum;
  for (auto& t : terms_) {
    const double w = weights_.weight(t.name);
    if (w == 0) continue;
    Tensor x = w == 1 ? t.value : scale(t.value, w);
    if (x.dim() != 0) x = reshape(x, Shape{});  // (1) or (1, 1) terms add as scalars
    sum = sum.defined() ? kd::add(sum, x) : x;
  }
  KD_CHECK(sum.defined(), "total loss: no term with a nonzero weight was added (added: ", terms_.size(),
           " term(s); weights: ", known_names(weights_.items()), ")");
  return sum;
}

std::vector<std::pair<std::string, double>> LossTerms::values() const {
  std::vector<std::pair<std::string, double>> out;
  double total = 0;
  for (auto& t : terms_) {
    out.emplace_back(t.name, t.host);
    total += weights_.weight(t.name) * t.host;
  }
  out.emplace_back("total", total);
  return out;
}

}  // namespace kd::losses
