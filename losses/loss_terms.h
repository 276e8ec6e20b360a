#pragma once
// The total loss of one training step: named scalar terms, each with a weight from the config.
//
//   LossTerms terms(LossWeights::from_config(root.child("loss"), {{"arcface", 1.0}, {"kd_logit", 1.0}}));
//   terms.add("arcface", margin_ce);          // throws if the term is NaN/Inf, naming it
//   terms.add("kd_logit", kd_logit(zs, zt, T));
//   terms.total().backward();                 // sum of weight * term
//   for (auto& [name, v] : terms.values()) log(name, v);
#include <string>
#include <utility>
#include <vector>

#include "engine/config.h"
#include "engine/tensor.h"

namespace kd::losses {

// name -> weight, in the order given (the order terms are summed and logged in).
class LossWeights {
 public:
  LossWeights() = default;
  explicit LossWeights(std::vector<std::pair<std::string, double>> weights);

  // Reads one number per known term from a config object such as {"arcface": 1, "kd_logit": 0.5};
  // an absent key takes its default, a key that is not a known term is an error naming it
  // (ConfigReader::finish of the caller's root reports it), a negative or non-finite weight
  // is an error naming the key.
  static LossWeights from_config(const ConfigReader& section,
                                 const std::vector<std::pair<std::string, double>>& defaults);

  bool has(const std::string& name) const;
  double weight(const std::string& name) const;  // throws naming the term and the known ones
  const std::vector<std::pair<std::string, double>>& items() const { return weights_; }

 private:
  std::vector<std::pair<std::string, double>> weights_;
};

class LossTerms {
 public:
  explicit LossTerms(LossWeights weights);

  // value: a one-element tensor. Throws kd::Error when the name has no weight, was already
  // added, or the value is NaN/Inf (the message names the term; the trainer adds the step).
  void add(const std::string& name, const Tensor& value);
  // The same with value's number already read by the caller (host == value.item()), so a
  // term costs one device read.
  void add(const std::string& name, const Tensor& value, double host);

  // sum over added terms of weight * term; terms of weight 0 are logged but left out, so a
  // disabled term costs no backward. Throws if no term with a nonzero weight was added.
  Tensor total() const;

  // (name, unweighted value) per added term, in the order added; then ("total", weighted sum).
  std::vector<std::pair<std::string, double>> values() const;

  const LossWeights& weights() const { return weights_; }

 private:
  struct Term {
    std::string name;
    Tensor value;
    double host;  // value as a double, read once in add() (one device sync per term)
  };
  LossWeights weights_;
  std::vector<Term> terms_;
};

}  // namespace kd::losses
