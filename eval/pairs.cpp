#include "eval/pairs.h"

#include "engine/check.h"

namespace kd::eval {

void check_pair_set(const PairSet& pairs, int n_folds) {
  KD_CHECK(n_folds >= 2, "verification: n_folds must be >= 2, got ", n_folds);
  KD_CHECK(pairs.fold.size() == pairs.same.size(), "verification: PairSet has ",
           pairs.fold.size(), " fold ids but ", pairs.same.size(), " same/different labels");
  KD_CHECK(!pairs.same.empty(), "verification: PairSet is empty");
  std::vector<int64_t> count(n_folds, 0);
  for (size_t i = 0; i < pairs.fold.size(); ++i) {
    const int f = pairs.fold[i];
    KD_CHECK(f >= 0 && f < n_folds, "verification: pair ", i, " has fold id ", f,
             ", expected 0 .. ", n_folds - 1);
    ++count[f];
  }
  for (int f = 0; f < n_folds; ++f)
    KD_CHECK(count[f] > 0, "verification: fold ", f, " of ", n_folds,
             " holds no pair (every fold is held out once and needs pairs to score)");
}

std::vector<int> kfold_blocks(int64_t n, int k) {
  KD_CHECK(k >= 2, "verification: KFold needs n_splits >= 2, got ", k);
  KD_CHECK(n >= k, "verification: KFold with n_splits=", k, " needs at least ", k,
           " pairs, got ", n);
  std::vector<int> block(static_cast<size_t>(n));
  const int64_t base = n / k, extra = n % k;
  int64_t i = 0;
  for (int b = 0; b < k; ++b) {
    const int64_t len = base + (b < extra ? 1 : 0);
    for (int64_t j = 0; j < len; ++j) block[i++] = b;
  }
  return block;
}

}  // namespace kd::eval
