#pragma once
// The pair list a verification protocol scores: one entry per pair, in file order. Which
// images (clean, degraded, cross-resolution) produced each side is the caller's business;
// scoring only needs the fold and the ground truth.
#include <cstdint>
#include <vector>

namespace kd::eval {

struct PairSet {
  std::vector<int> fold;   // fold id per pair, 0 .. n_folds-1 (as in val_pairs.tsv)
  std::vector<bool> same;  // true: both images show the same identity
  int64_t size() const { return static_cast<int64_t>(same.size()); }
};

// Throws unless fold and same have the same length, the set is non-empty, every fold id
// lies in [0, n_folds) and every fold holds at least one pair (an empty held-out fold
// would have no accuracy). n_folds must be at least 2 (one fold to train a threshold on).
void check_pair_set(const PairSet& pairs, int n_folds);

// sklearn's KFold(n_splits=k, shuffle=False) over n items in order: consecutive blocks, the
// first n % k blocks one item longer. Returns the block index of every item. Throws when
// n < k (KFold refuses that too).
std::vector<int> kfold_blocks(int64_t n, int k);

}  // namespace kd::eval
