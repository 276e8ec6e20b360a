#include "eval/threshold_sweep.h"

#include <algorithm>

#include "engine/check.h"
#include "eval/numpy_stats.h"

namespace kd::eval {
namespace {

void split_sorted(const std::vector<double>& s, const std::vector<bool>& same,
                  std::vector<double>& pos, std::vector<double>& neg) {
  KD_CHECK(s.size() == same.size(), "verification: ", s.size(), " scores but ", same.size(),
           " labels");
  pos.clear();
  neg.clear();
  for (size_t i = 0; i < s.size(); ++i) (same[i] ? pos : neg).push_back(s[i]);
  std::sort(pos.begin(), pos.end());
  std::sort(neg.begin(), neg.end());
}

void check_ascending(const std::vector<double>& grid) {
  for (size_t i = 1; i < grid.size(); ++i)
    KD_CHECK(grid[i - 1] < grid[i], "verification: threshold grid must ascend strictly; value ",
             i, " is ", grid[i], " after ", grid[i - 1]);
}

}  // namespace

std::vector<double> askd_threshold_grid() {
  // np.arange(-thrNum, thrNum + 1) * 1.0 / thrNum with thrNum = 10000
  std::vector<double> g;
  g.reserve(20001);
  for (int j = -10000; j <= 10000; ++j) g.push_back(static_cast<double>(j) / 10000.0);
  return g;
}

std::vector<double> insightface_threshold_grid() {
  // np.arange(0, 4, 0.01): 400 values start + k * step
  std::vector<double> g;
  g.reserve(400);
  for (int k = 0; k < 400; ++k) g.push_back(0.0 + k * 0.01);
  return g;
}

int64_t askd_correct(const std::vector<double>& scores, const std::vector<bool>& same,
                     double t) {
  KD_CHECK(scores.size() == same.size(), "verification: ", scores.size(), " scores but ",
           same.size(), " labels");
  int64_t c = 0;
  for (size_t i = 0; i < scores.size(); ++i) c += same[i] ? (scores[i] > t) : (scores[i] < t);
  return c;
}

int64_t insightface_correct(const std::vector<double>& d, const std::vector<bool>& same,
                            double t) {
  KD_CHECK(d.size() == same.size(), "verification: ", d.size(), " distances but ", same.size(),
           " labels");
  int64_t c = 0;
  for (size_t i = 0; i < d.size(); ++i) c += same[i] ? (d[i] < t) : !(d[i] < t);
  return c;
}

std::vector<int64_t> askd_correct_on_grid(const std::vector<double>& scores,
                                          const std::vector<bool>& same,
                                          const std::vector<double>& grid) {
  check_ascending(grid);
  std::vector<double> pos, neg;
  split_sorted(scores, same, pos, neg);
  std::vector<int64_t> out(grid.size());
  size_t pos_le = 0, neg_lt = 0;  // #pos with s <= t, #neg with s < t
  for (size_t k = 0; k < grid.size(); ++k) {
    const double t = grid[k];
    while (pos_le < pos.size() && pos[pos_le] <= t) ++pos_le;
    while (neg_lt < neg.size() && neg[neg_lt] < t) ++neg_lt;
    out[k] = static_cast<int64_t>(pos.size() - pos_le + neg_lt);
  }
  return out;
}

std::vector<int64_t> insightface_correct_on_grid(const std::vector<double>& d,
                                                 const std::vector<bool>& same,
                                                 const std::vector<double>& grid) {
  check_ascending(grid);
  std::vector<double> pos, neg;
  split_sorted(d, same, pos, neg);
  std::vector<int64_t> out(grid.size());
  size_t pos_lt = 0, neg_lt = 0;  // #pos with d < t, #neg with d < t
  for (size_t k = 0; k < grid.size(); ++k) {
    const double t = grid[k];
    while (pos_lt < pos.size() && pos[pos_lt] < t) ++pos_lt;
    while (neg_lt < neg.size() && neg[neg_lt] < t) ++neg_lt;
    out[k] = static_cast<int64_t>(pos_lt + (neg.size() - neg_lt));
  }
  return out;
}

double askd_best_threshold(const std::vector<double>& scores, const std::vector<bool>& same) {
  KD_CHECK(!scores.empty(), "verification (askd): no training scores to choose a threshold on");
  const std::vector<double> grid = askd_threshold_grid();
  const std::vector<int64_t> correct = askd_correct_on_grid(scores, same, grid);
  const int64_t best = *std::max_element(correct.begin(), correct.end());
  std::vector<double> tied;
  for (size_t k = 0; k < grid.size(); ++k)
    if (correct[k] == best) tied.push_back(grid[k]);
  return numpy_mean(tied);
}

double insightface_best_threshold(const std::vector<double>& d, const std::vector<bool>& same) {
  KD_CHECK(!d.empty(), "verification (insightface): no training distances to choose a threshold on");
  const std::vector<double> grid = insightface_threshold_grid();
  const std::vector<int64_t> correct = insightface_correct_on_grid(d, same, grid);
  return grid[std::max_element(correct.begin(), correct.end()) - correct.begin()];
}

}  // namespace kd::eval
