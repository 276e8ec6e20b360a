#pragma once
// Pieces both protocols share: input checks and the all-pairs summary (ROC, TAR@FAR,
// mean/std of fold accuracies). Internal to eval/.
#include "eval/verification.h"

namespace kd::eval::detail {

// Checks the pair set and the four embedding sets (one row per pair; flips like their view;
// both sides of one dimension).
void check_inputs(const PairSet& pairs, const Embeddings& a, const Embeddings& a_flip,
                  const Embeddings& b, const Embeddings& b_flip, const VerificationOptions& opt);

// Fills mean/std from r.folds and the ROC / TAR@FAR from r.scores. higher_is_same: true
// for similarities, false for distances (negated for the ROC, thresholds reported back in
// distance units).
void summarise(VerificationResult& r, const PairSet& pairs, bool higher_is_same,
               const VerificationOptions& opt);

}  // namespace kd::eval::detail
