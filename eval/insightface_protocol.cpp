// insightface's verification protocol (see verification.h and docs/evaluation.md).
#include "engine/check.h"
#include "eval/threshold_sweep.h"
#include "eval/verification_common.h"

namespace kd::eval {

VerificationResult score_insightface(const PairSet& pairs, const Embeddings& a,
                                     const Embeddings& a_flip, const Embeddings& b,
                                     const Embeddings& b_flip, const VerificationOptions& opt) {
  detail::check_inputs(pairs, a, a_flip, b, b_flip, opt);
  Features ea = sum_views(a, a_flip), eb = sum_views(b, b_flip);  // (n, dim)
  l2_normalise_rows(ea, "side A (view + flip)");
  l2_normalise_rows(eb, "side B (view + flip)");

  VerificationResult r;
  r.protocol = "insightface";
  r.score = "squared_l2";
  r.scores.resize(static_cast<size_t>(pairs.size()));
  for (int64_t i = 0; i < pairs.size(); ++i) {
    double d = 0;
    for (int64_t j = 0; j < ea.dim; ++j) {
      const double diff = ea.row(i)[j] - eb.row(i)[j];
      d += diff * diff;
    }
    r.scores[i] = d;
  }

  const std::vector<int> block = kfold_blocks(pairs.size(), opt.n_folds);
  for (int k = 0; k < opt.n_folds; ++k) {
    std::vector<double> train_d, test_d;
    std::vector<bool> train_y, test_y;
    for (int64_t i = 0; i < pairs.size(); ++i) {
      const bool test = block[i] == k;
      (test ? test_d : train_d).push_back(r.scores[i]);
      (test ? test_y : train_y).push_back(pairs.same[i]);
    }
    FoldResult f;
    f.fold = k;
    f.pairs = static_cast<int64_t>(test_d.size());
    f.threshold = insightface_best_threshold(train_d, train_y);
    f.accuracy = static_cast<double>(insightface_correct(test_d, test_y, f.threshold)) /
                 static_cast<double>(test_d.size());
    r.folds.push_back(f);
  }
  detail::summarise(r, pairs, /*higher_is_same=*/false, opt);
  return r;
}

}  // namespace kd::eval
