// A-SKD's 10-fold protocol (see verification.h and docs/evaluation.md).
#include <cmath>

#include "engine/check.h"
#include "engine/parallel.h"
#include "eval/threshold_sweep.h"
#include "eval/verification_common.h"

namespace kd::eval {
namespace {

// Mean feature over both sides of every pair outside the held-out fold: (dim)
std::vector<double> training_mean(const Features& fa, const Features& fb, const PairSet& pairs,
                                  int held_out) {
  std::vector<double> mu(static_cast<size_t>(fa.dim), 0.0);
  int64_t rows = 0;
  for (int64_t i = 0; i < pairs.size(); ++i) {
    if (pairs.fold[i] == held_out) continue;
    for (int64_t j = 0; j < fa.dim; ++j) mu[j] += fa.row(i)[j] + fb.row(i)[j];
    rows += 2;
  }
  for (double& m : mu) m /= static_cast<double>(rows);
  return mu;
}

// Cosine of (f_a - mu, f_b - mu) for every pair: (n). Pairs are independent, so they are
// split across threads; each pair's arithmetic is the same as in a serial loop.
std::vector<double> centred_cosines(const Features& fa, const Features& fb,
                                    const std::vector<double>& mu, int held_out) {
  std::vector<double> s(static_cast<size_t>(fa.n));
  std::vector<char> degenerate(static_cast<size_t>(fa.n), 0);  // 1: side A, 2: side B
  const int64_t dim = fa.dim;
  kd::parallel_for(
      fa.n,
      [&](int64_t i) {
        const double* f = fa.row(i);
        const double* g = fb.row(i);
        double uu = 0, vv = 0;
        for (int64_t j = 0; j < dim; ++j) {
          uu += (f[j] - mu[j]) * (f[j] - mu[j]);
          vv += (g[j] - mu[j]) * (g[j] - mu[j]);
        }
        if (!(uu > 0 && vv > 0)) {  // no exception may leave a parallel region
          degenerate[i] = uu > 0 ? 2 : 1;
          return;
        }
        // Normalise first, then dot, as the reference does.
        const double nu = std::sqrt(uu), nv = std::sqrt(vv);
        double uv = 0;
        for (int64_t j = 0; j < dim; ++j) uv += ((f[j] - mu[j]) / nu) * ((g[j] - mu[j]) / nv);
        s[i] = uv;
      },
      4 * dim);
  for (int64_t i = 0; i < fa.n; ++i)
    KD_CHECK(!degenerate[i], "verification (askd): pair ", i, " side ",
             degenerate[i] == 1 ? "A" : "B", " equals the mean feature of the folds other than ",
             held_out, " (zero norm after centring), so it has no direction to compare");
  return s;
}

}  // namespace

VerificationResult score_askd(const PairSet& pairs, const Embeddings& a, const Embeddings& a_flip,
                              const Embeddings& b, const Embeddings& b_flip,
                              const VerificationOptions& opt) {
  detail::check_inputs(pairs, a, a_flip, b, b_flip, opt);
  const Features fa = concat_views(a, a_flip), fb = concat_views(b, b_flip);  // (n, 2*dim)

  VerificationResult r;
  r.protocol = "askd";
  r.score = "cosine";
  r.scores.assign(static_cast<size_t>(pairs.size()), 0.0);
  for (int k = 0; k < opt.n_folds; ++k) {
    const std::vector<double> s = centred_cosines(fa, fb, training_mean(fa, fb, pairs, k), k);
    std::vector<double> train_s, test_s;
    std::vector<bool> train_y, test_y;
    for (int64_t i = 0; i < pairs.size(); ++i) {
      if (pairs.fold[i] == k) {
        test_s.push_back(s[i]);
        test_y.push_back(pairs.same[i]);
        r.scores[i] = s[i];
      } else {
        train_s.push_back(s[i]);
        train_y.push_back(pairs.same[i]);
      }
    }
    FoldResult f;
    f.fold = k;
    f.pairs = static_cast<int64_t>(test_s.size());
    f.threshold = askd_best_threshold(train_s, train_y);
    f.accuracy = static_cast<double>(askd_correct(test_s, test_y, f.threshold)) /
                 static_cast<double>(test_s.size());
    r.folds.push_back(f);
  }
  detail::summarise(r, pairs, /*higher_is_same=*/true, opt);
  return r;
}

}  // namespace kd::eval
