// Verification scoring (eval/): the A-SKD and insightface protocols on hand-worked examples,
// the threshold sweeps against a direct transcription of the reference loops, TAR@FAR / ROC,
// and input errors.
#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

#include "engine/check.h"
#include "eval/numpy_stats.h"
#include "eval/roc.h"
#include "eval/threshold_sweep.h"
#include "eval/verification.h"

using namespace kd::eval;

namespace {

Embeddings rows2(const std::vector<std::pair<double, double>>& r) {
  Embeddings e;
  e.n = static_cast<int64_t>(r.size());
  e.dim = 2;
  for (auto [x, y] : r) {
    e.v.push_back(static_cast<float>(x));
    e.v.push_back(static_cast<float>(y));
  }
  return e;
}

Embeddings random_embeddings(int64_t n, int64_t dim, std::mt19937& rng) {
  std::normal_distribution<float> g(0.f, 1.f);
  Embeddings e;
  e.n = n;
  e.dim = dim;
  e.v.resize(static_cast<size_t>(n * dim));
  for (float& x : e.v) x = g(rng);
  return e;
}

// The A-SKD example. Every side is a 2-D vector and its "flip" is the same vector, so the
// concatenated feature is (x, y, x, y) and every cosine equals the 2-D cosine of (x, y).
// Pair p = 2f is fold f's same pair, p = 2f+1 its different pair, each of the form
// (x, +y) vs (x, -y), whose cosine is (x^2 - y^2) / (x^2 + y^2) = (1 - r^2) / (1 + r^2) with
// r = |y / x|. All values are dyadic, so they and the means are exact in float/double.
//   folds 0..8: same (9/8, +-s_f), different (-9/8, +-t_f): each fold's x sum is 0
//   fold 9:     same (25/8, +-3/16), different (-7/8, +-7/2): x sum 9/2
// Mean feature (x, y) of the 36 training vectors:
//   held-out fold k in 0..8: (9/2 / 36, 0) = (1/8, 0)      held-out fold 9: (0, 0)
const double s_f[9] = {1. / 8, 3. / 16, 11. / 8, 1. / 4, 5. / 16, 11. / 32, 7. / 16, 19. / 32, 5. / 8};
const double t_f[9] = {15. / 8, 25. / 16, 75. / 64, 35. / 32, 65. / 64, 85. / 128, 55. / 64, 35. / 16, 25. / 8};

struct Example {
  PairSet pairs;
  Embeddings a, b;
};

Example askd_example() {
  Example ex;
  std::vector<std::pair<double, double>> a, b;
  for (int f = 0; f < 10; ++f) {
    const double sx = f < 9 ? 9. / 8 : 25. / 8, sy = f < 9 ? s_f[f] : 3. / 16;
    const double dx = f < 9 ? -9. / 8 : -7. / 8, dy = f < 9 ? t_f[f] : 7. / 2;
    a.push_back({sx, sy});
    b.push_back({sx, -sy});
    a.push_back({dx, dy});
    b.push_back({dx, -dy});
    ex.pairs.fold.insert(ex.pairs.fold.end(), {f, f});
    ex.pairs.same.insert(ex.pairs.same.end(), {true, false});
  }
  ex.a = rows2(a);
  ex.b = rows2(b);
  return ex;
}

}  // namespace

// Scores with mean (1/8, 0) (held-out folds 0..8): same pairs become (1, +-s_f), different
// pairs (-5/4, +-t_f), fold 9 (3, +-3/16) and (-1, +-7/2). Cosines (S = same, D = different):
//   f    0        1        2        3        4        5        6        7        8        9
//   S  .969231  .932075 -.308108  .882353  .822064  .788646  .678689  .478700  .438202  .992218
//   D -.384615 -.219512  .064449  .132743  .204706  .559787  .358090 -.507692 -.724138 -.849057
// Descending: S9 S0 S1 S3 S4 S5 S6 | D5 | S7 S8 | D6 D4 D3 D2 D1 | S2 | D0 D7 D8 D9.
// Correct = #S above t + #D below t, strict both ways; over all 20 the best is t in
// (D6, S8) = (.358090, .438202) with 18 (S2 and D5 wrong). Per held-out fold (18 training pairs):
//   k=0,1,3,4: best 16 only on (D6, S8): grid j/1e4, j = 3581..4382 -> mean .39815;
//              test S_k > .39815 and D_k < .39815: accuracy 1
//   k=2: best 17 (only D5 wrong) on (D6, S8) -> .39815; test S2 = -.308 wrong, D2 right: 1/2
//   k=5: best 17 (only S2 wrong) on (D6, S8) -> .39815; test S5 right, D5 = .5598 wrong: 1/2
//   k=6: without D6 the best 16 is on (D4, S8) = (.204706, .438202): j = 2048..4382 -> .3215;
//        test S6 right, D6 = .358090 > .3215 wrong: 1/2
//   k=7: best 16 on TWO runs: (D5, S6) = (.559787, .678689) (7 S above, all 9 D below:
//        S8, S2 wrong) = j 5598..6786 (1189 values) and (D6, S8) (8 S above, 8 D below:
//        S2, D5 wrong) = j 3581..4382 (802 values); between them (S8, D5) only 15:
//        mean = (sum 5598..6786 + sum 3581..4382) / 1991 / 1e4 = 10555451 / 19910000 = .530158..
//        test S7 = .4787 < t wrong, D7 right: 1/2
//   k=8: best 16 on (D5, S6) = j 5598..6786 and (D6, S7) = (.358090, .478700) = j 3581..4787
//        (1189 + 1207 values): mean = 12412376 / 2396 / 1e4 = .5180457..;
//        test S8 = .4382 < t wrong, D8 right: 1/2
// Held-out fold 9 uses mean (0, 0): x stays 9/8 and -9/8 for folds 0..8, so r = 8 s_f / 9 and
// r = 8 t_f / 9:
//   S: .975610 .945946 -.198020 .905882 .856734 .829217 .737265 .564273 .528302 (f 0..8)
//   D: -.470588 -.317176 -.040799 .028163 .101924 .483209 .263004 -.581666 -.770538
//   best 17 (S2 wrong) only on (D5, S8) = (.483209, .528302): j = 4833..5283 -> .5058;
//   test: S9 = cos((25/8, 3/16), (25/8, -3/16)) = .992826 right, D9 = -.882353 right: 1
// Accuracies 1 1 .5 1 1 .5 .5 .5 .5 1: mean .75, population std .25.
TEST_CASE("askd protocol: hand-worked 10-fold example", "[eval][askd]") {
  const Example ex = askd_example();
  const VerificationResult r = score_askd(ex.pairs, ex.a, ex.a, ex.b, ex.b);
  const double acc[10] = {1, 1, .5, 1, 1, .5, .5, .5, .5, 1};
  const double thr[10] = {.39815, .39815, .39815, .39815, .39815, .39815, .3215,
                          10555451. / 19910000., 12412376. / 23960000., .5058};
  REQUIRE(r.protocol == "askd");
  REQUIRE(r.folds.size() == 10);
  for (int k = 0; k < 10; ++k) {
    INFO("fold " << k);
    CHECK(r.folds[k].fold == k);
    CHECK(r.folds[k].pairs == 2);
    CHECK(r.folds[k].accuracy == acc[k]);
    CHECK(r.folds[k].threshold == Approx(thr[k]).margin(1e-12));
  }
  CHECK(r.mean == .75);
  CHECK(r.std == .25);
  // Each pair's score is the one from its own held-out fold.
  CHECK(r.scores[0] == Approx(63. / 65).margin(1e-12));     // fold 0 S, r = 1/8
  CHECK(r.scores[11] == Approx(735. / 1313).margin(1e-12)); // fold 5 D, r = (85/128)/(5/4)
  CHECK(r.scores[18] == Approx((625. / 64 - 9. / 256) / (625. / 64 + 9. / 256)).margin(1e-12));
  CHECK(r.scores[19] == Approx(-15. / 17).margin(1e-12));   // fold 9 D, (-7/8, 7/2): r = 4
}

TEST_CASE("askd protocol: the flip is concatenated, not averaged", "[eval][askd]") {
  // Views and flips differ; every fold holds a pair and its negation, so the training mean is
  // 0 and each score is the plain cosine of the concatenated 4-vectors.
  PairSet p;
  std::vector<std::pair<double, double>> a, af, b, bf;
  for (int f = 0; f < 10; ++f)
    for (int sign : {1, -1}) {
      p.fold.push_back(f);
      p.same.push_back(sign > 0);
      a.push_back({sign * 1.0, 0.0});
      af.push_back({0.0, sign * 1.0});
      b.push_back({sign * 1.0, 0.0});
      bf.push_back({sign * 1.0, 0.0});
    }
  // [1,0,0,1] . [1,0,1,0] / (sqrt2 sqrt2) = 1/2 for both signs.
  const VerificationResult r = score_askd(p, rows2(a), rows2(af), rows2(b), rows2(bf));
  for (double s : r.scores) CHECK(s == Approx(0.5).margin(1e-15));
}

// The insightface example. view = flip = (1, +-r), so e = (1, +-r) / sqrt(1 + r^2) and
// d = ||e_a - e_b||^2 = 4 r^2 / (1 + r^2). KFold blocks are pairs (0,1), (2,3), ...; the fold
// ids passed are reversed (9 - i/2) to show they are not used. d per pair (+ same, - different):
//   block 0: .061538+ 2.769231-   1: 2.439024- .135849+   2: 2.234483+ 1.871102-
//   block 3: .235294+ 1.734513-   4: .355872+ 1.590588-   5: .422707+ .880427-
//   block 6: .642623+ 1.283820-   7: 1.042599+ 3.015385-  8: 1.123596+ 3.448276-
//   block 9: .015564+ 3.698113-
// Ascending: .0156+ .0615+ .1358+ .2353+ .3559+ .4227+ .6426+ | .8804- | 1.0426+ 1.1236+ |
// 1.2838- 1.5906- 1.7345- 1.8711- | 2.2345+ | 2.4390- ... Correct = #same with d < t +
// #different with d >= t, grid k/100, first maximum wins:
//   blocks 0,1,3,4,9: best 16 on k = 113..128 -> t = 1.13; both test pairs right: 1
//   block 2: best 17 on 113..128 -> 1.13; 2.2345+ wrong, 1.8711- right: 1/2
//   block 5: best 17 on 113..128 -> 1.13; .4227+ right, .8804- < 1.13 wrong: 1/2
//   block 6: best 16 on 113..159 -> 1.13; .6426+ right, 1.2838- right: 1
//   block 7: best 16 on 65..88 (.6426 < t <= .8804) and 113..128: first -> .65;
//            1.0426+ >= .65 wrong, 3.0154- right: 1/2
//   block 8: best 16 on 65..88 and 105..128: first -> .65; 1.1236+ wrong, 3.4483- right: 1/2
// Accuracies 1 1 .5 1 1 .5 1 .5 .5 1: mean .8, population std sqrt(.06).
TEST_CASE("insightface protocol: hand-worked example", "[eval][insightface]") {
  const double same_r[10] = {1. / 8, 3. / 16, 9. / 8, 1. / 4, 5. / 16, 11. / 32, 7. / 16, 19. / 32, 5. / 8, 1. / 16};
  const double diff_r[10] = {3. / 2, 5. / 4, 15. / 16, 7. / 8, 13. / 16, 17. / 32, 11. / 16, 7. / 4, 5. / 2, 7. / 2};
  PairSet p;
  std::vector<std::pair<double, double>> a, b;
  for (int k = 0; k < 10; ++k) {
    const bool diff_first = k == 1;
    for (int j = 0; j < 2; ++j) {
      const bool same = (j == 0) != diff_first;
      const double r = same ? same_r[k] : diff_r[k];
      a.push_back({1.0, r});
      b.push_back({1.0, -r});
      p.same.push_back(same);
      p.fold.push_back(9 - k);
    }
  }
  const VerificationResult res = score_insightface(p, rows2(a), rows2(a), rows2(b), rows2(b));
  const double acc[10] = {1, 1, .5, 1, 1, .5, 1, .5, .5, 1};
  const int thr_k[10] = {113, 113, 113, 113, 113, 113, 113, 65, 65, 113};  // grid index
  REQUIRE(res.protocol == "insightface");
  REQUIRE(res.folds.size() == 10);
  for (int k = 0; k < 10; ++k) {
    INFO("block " << k);
    CHECK(res.folds[k].accuracy == acc[k]);
    CHECK(res.folds[k].threshold == thr_k[k] * 0.01);
  }
  CHECK(res.mean == Approx(.8).margin(1e-15));
  CHECK(res.std == Approx(std::sqrt(.06)).margin(1e-15));
  CHECK(res.scores[0] == Approx(4. / 65).margin(1e-14));  // r = 1/8: 4 (1/64) / (65/64)
  CHECK(res.scores[2] == Approx(4 * (25. / 16) / (41. / 16)).margin(1e-14));  // block 1's D first
}

TEST_CASE("threshold sweeps: tie rules at a score equal to the threshold", "[eval]") {
  // A-SKD: strict on both sides, a score equal to t is wrong for same and different pairs.
  CHECK(askd_correct({0.5, 0.5}, {true, false}, 0.5) == 0);
  CHECK(askd_correct({0.5, 0.5}, {true, false}, 0.4999) == 1);
  // insightface: same iff d < t, so d == t is a "different" decision.
  CHECK(insightface_correct({0.5, 0.5}, {true, false}, 0.5) == 1);
  CHECK(insightface_correct({0.5, 0.5}, {true, false}, 0.51) == 1);
  CHECK(insightface_correct({0.5}, {true}, 0.5) == 0);
  // Sweeps agree with these at grid values equal to a score.
  const std::vector<double> g = {0.25, 0.5, 0.75};
  CHECK(askd_correct_on_grid({0.5, 0.5}, {true, false}, g) == std::vector<int64_t>{1, 0, 1});
  CHECK(insightface_correct_on_grid({0.5, 0.5}, {true, false}, g) ==
        std::vector<int64_t>{1, 1, 1});
  CHECK(insightface_correct_on_grid({0.5}, {true}, g) == std::vector<int64_t>{0, 0, 1});
  // Grids: 20,001 values j / 1e4 and 400 values k * 0.01.
  const std::vector<double> ag = askd_threshold_grid(), ig = insightface_threshold_grid();
  REQUIRE(ag.size() == 20001);
  CHECK(ag.front() == -1.0);
  CHECK(ag[10000] == 0.0);
  CHECK(ag.back() == 1.0);
  CHECK(ag[13981] == 3981.0 / 10000.0);
  REQUIRE(ig.size() == 400);
  CHECK(ig.back() == 399 * 0.01);
}

TEST_CASE("numpy-order mean and std", "[eval]") {
  CHECK(numpy_mean({1, 2, 3, 4}) == 2.5);
  CHECK(numpy_std({1, 1, 3, 3}) == 1.0);
  // 1 followed by fifteen 1e-16: a running sum drops every small term (each is below half
  // an ulp of 1); numpy's eight interleaved accumulators add them in pairs first.
  std::vector<double> v(16, 1e-16);
  v[0] = 1.0;
  double running = 0;
  for (double x : v) running += x;
  CHECK(running == 1.0);
  const double r0 = 1.0 + 1e-16, t = 1e-16 + 1e-16;  // accumulator 0, accumulators 1..7
  CHECK(numpy_pairwise_sum(v.data(), 16) == ((r0 + t) + (t + t)) + ((t + t) + (t + t)));
  CHECK(numpy_pairwise_sum(v.data(), 16) > 1.0);
  CHECK_THROWS_AS(numpy_mean({}), kd::Error);
}

namespace {

// The reference loops transcribed directly (one full pass per threshold), as in A-SKD's
// evaluation_10_fold / getThreshold / getAccuracy and insightface's calculate_roc.
std::vector<FoldResult> askd_brute_force(const PairSet& p, const Embeddings& a,
                                         const Embeddings& af, const Embeddings& b,
                                         const Embeddings& bf) {
  const int64_t n = p.size(), d = a.dim;
  std::vector<FoldResult> out;
  for (int k = 0; k < 10; ++k) {
    std::vector<double> mu(2 * d, 0.0);
    int64_t cnt = 0;
    for (int64_t i = 0; i < n; ++i)
      if (p.fold[i] != k) {
        for (int64_t j = 0; j < d; ++j) {
          mu[j] += a.row(i)[j] + b.row(i)[j];
          mu[d + j] += af.row(i)[j] + bf.row(i)[j];
        }
        cnt += 2;
      }
    for (double& m : mu) m /= cnt;
    std::vector<double> s(n);
    for (int64_t i = 0; i < n; ++i) {
      std::vector<double> u(2 * d), v(2 * d);
      for (int64_t j = 0; j < d; ++j) {
        u[j] = a.row(i)[j] - mu[j];
        u[d + j] = af.row(i)[j] - mu[d + j];
        v[j] = b.row(i)[j] - mu[j];
        v[d + j] = bf.row(i)[j] - mu[d + j];
      }
      double nu = 0, nv = 0, dot = 0;
      for (int64_t j = 0; j < 2 * d; ++j) nu += u[j] * u[j], nv += v[j] * v[j];
      for (int64_t j = 0; j < 2 * d; ++j) dot += (u[j] / std::sqrt(nu)) * (v[j] / std::sqrt(nv));
      s[i] = dot;
    }
    int64_t best = -1;
    std::vector<double> tied;
    for (int j = -10000; j <= 10000; ++j) {
      const double t = j * 1.0 / 10000;
      int64_t c = 0;
      for (int64_t i = 0; i < n; ++i)
        if (p.fold[i] != k) c += p.same[i] ? s[i] > t : s[i] < t;
      if (c > best) best = c, tied.clear();
      if (c == best) tied.push_back(t);
    }
    double thr = 0;
    for (double t : tied) thr += t;
    thr /= tied.size();
    int64_t c = 0, m = 0;
    for (int64_t i = 0; i < n; ++i)
      if (p.fold[i] == k) c += p.same[i] ? s[i] > thr : s[i] < thr, ++m;
    out.push_back({k, m, double(c) / m, thr});
  }
  return out;
}

std::vector<FoldResult> insightface_brute_force(const PairSet& p, const Embeddings& a,
                                                const Embeddings& af, const Embeddings& b,
                                                const Embeddings& bf) {
  const int64_t n = p.size(), d = a.dim;
  std::vector<double> dist(n);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> u(d), v(d);
    double nu = 0, nv = 0;
    for (int64_t j = 0; j < d; ++j) {
      u[j] = double(a.row(i)[j]) + af.row(i)[j];
      v[j] = double(b.row(i)[j]) + bf.row(i)[j];
      nu += u[j] * u[j], nv += v[j] * v[j];
    }
    dist[i] = 0;
    for (int64_t j = 0; j < d; ++j) {
      const double e = u[j] / std::sqrt(nu) - v[j] / std::sqrt(nv);
      dist[i] += e * e;
    }
  }
  std::vector<FoldResult> out;
  const int64_t base = n / 10, extra = n % 10;
  int64_t start = 0;
  for (int k = 0; k < 10; ++k) {
    const int64_t len = base + (k < extra), end = start + len;
    int64_t best = -1;
    double thr = 0;
    for (int q = 0; q < 400; ++q) {
      const double t = 0 + q * 0.01;
      int64_t c = 0;
      for (int64_t i = 0; i < n; ++i)
        if (i < start || i >= end) c += p.same[i] ? dist[i] < t : !(dist[i] < t);
      if (c > best) best = c, thr = t;
    }
    int64_t c = 0;
    for (int64_t i = start; i < end; ++i) c += p.same[i] ? dist[i] < thr : !(dist[i] < thr);
    out.push_back({k, len, double(c) / len, thr});
    start = end;
  }
  return out;
}

// Pairs whose sides share an identity direction when same, so accuracies land mid-range
// (many ties, many errors) and the sweeps see every kind of boundary.
void noisy_pairs(int64_t n, int64_t dim, double noise, std::mt19937& rng, PairSet& p,
                 Embeddings& a, Embeddings& af, Embeddings& b, Embeddings& bf) {
  a = random_embeddings(n, dim, rng);
  af = random_embeddings(n, dim, rng);
  b = random_embeddings(n, dim, rng);
  bf = random_embeddings(n, dim, rng);
  p.fold.clear();
  p.same.clear();
  for (int64_t i = 0; i < n; ++i) {
    p.fold.push_back(static_cast<int>(i * 10 / n));
    p.same.push_back(i % 2 == 0);
    if (i % 2 == 0)
      for (int64_t j = 0; j < dim; ++j) {
        b.v[i * dim + j] = a.v[i * dim + j] + float(noise) * b.v[i * dim + j];
        bf.v[i * dim + j] = af.v[i * dim + j] + float(noise) * bf.v[i * dim + j];
      }
  }
}

}  // namespace

TEST_CASE("sorted sweeps equal the reference's one-pass-per-threshold loops", "[eval]") {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 3; ++trial) {
    PairSet p;
    Embeddings a, af, b, bf;
    const int64_t n = 200 + 7 * trial;  // 207, 214: uneven KFold blocks
    noisy_pairs(n, 3, 1.5 + trial, rng, p, a, af, b, bf);
    const VerificationResult r = score_askd(p, a, af, b, bf);
    const std::vector<FoldResult> ref = askd_brute_force(p, a, af, b, bf);
    for (int k = 0; k < 10; ++k) {
      INFO("trial " << trial << " askd fold " << k);
      CHECK(r.folds[k].pairs == ref[k].pairs);
      CHECK(r.folds[k].accuracy == ref[k].accuracy);
      CHECK(r.folds[k].threshold == Approx(ref[k].threshold).margin(1e-12));
    }
    const VerificationResult ri = score_insightface(p, a, af, b, bf);
    const std::vector<FoldResult> refi = insightface_brute_force(p, a, af, b, bf);
    for (int k = 0; k < 10; ++k) {
      INFO("trial " << trial << " insightface block " << k);
      CHECK(ri.folds[k].pairs == refi[k].pairs);
      CHECK(ri.folds[k].accuracy == refi[k].accuracy);
      CHECK(ri.folds[k].threshold == refi[k].threshold);
    }
    CHECK(r.mean > 0.55);  // the data carry signal, so the comparison is not all-ties
    CHECK(r.mean < 0.99);
  }
}

// Similarities (accept iff s >= t), 5 same and 10 different, one same/different tie at .4:
//   same: .9 .8 .7 .6 .4      different: .75 .5 .4 .2 .1 0 -.1 -.2 -.3 -.4
// ROC (threshold: FAR, TAR): +inf: 0, 0 | .9: 0, .2 | .8: 0, .4 | .75: .1, .4 | .7: .1, .6 |
// .6: .1, .8 | .5: .2, .8 | .4: .3, 1 (the tied pair enters together) | .2: .4, 1 | ... | -.4: 1, 1
// TAR@FAR 0 -> t .8, TAR .4; .1 -> t .6, .8; .25 -> t .5, .8 (t .4 would give FAR .3);
// .3 -> t .4, TAR 1.
TEST_CASE("TAR at FAR and ROC: hand example", "[eval][roc]") {
  const std::vector<double> s = {.9, .8, .7, .6, .4, .75, .5, .4, .2, .1, 0, -.1, -.2, -.3, -.4};
  std::vector<bool> y(15, false);
  for (int i = 0; i < 5; ++i) y[i] = true;
  const RocCurve roc = roc_curve(s, y);
  REQUIRE(roc.far.size() == 15);  // +inf and 14 distinct scores
  CHECK(std::isinf(roc.threshold[0]));
  CHECK(roc.far[0] == 0);
  CHECK(roc.tar[0] == 0);
  CHECK(roc.threshold[7] == .4);
  CHECK(roc.far[7] == Approx(.3));
  CHECK(roc.tar[7] == 1.0);
  CHECK(roc.far.back() == 1.0);
  CHECK(roc.tar.back() == 1.0);
  struct Want { double target, thr, tar, far; };
  for (Want w : {Want{0, .8, .4, 0}, Want{.1, .6, .8, .1}, Want{.25, .5, .8, .2},
                 Want{.3, .4, 1, .3}, Want{1, -.4, 1, 1}}) {
    INFO("target " << w.target);
    const TarAtFar t = tar_at_far(roc, w.target);
    CHECK(t.threshold == w.thr);
    CHECK(t.tar == Approx(w.tar).margin(1e-15));
    CHECK(t.far == Approx(w.far).margin(1e-15));
    CHECK(t.far <= w.target);
  }
  // The top score is a different pair: at FAR 0 nothing may be accepted.
  const TarAtFar none = tar_at_far(roc_curve({.1, .9}, {true, false}), 0.0);
  CHECK(std::isinf(none.threshold));
  CHECK(none.tar == 0);
  CHECK_THROWS_AS(tar_at_far(roc, 1.5), kd::Error);
  CHECK_THROWS_AS(roc_curve({.1, .2}, {true, true}), kd::Error);
}

TEST_CASE("ROC decimation keeps both ends and at most the requested points", "[eval][roc]") {
  RocCurve roc;
  for (int i = 0; i <= 2500; ++i) {
    roc.far.push_back(i / 2500.0);
    roc.tar.push_back(std::sqrt(i / 2500.0));
    roc.threshold.push_back(-i);
  }
  const RocCurve d = decimate(roc, 1000);
  REQUIRE(d.far.size() == 1000);
  CHECK(d.far.front() == 0);
  CHECK(d.far.back() == 1);
  CHECK(d.threshold[1] == -3);  // round(1 * 2500 / 999) = 3
  for (size_t i = 1; i < d.far.size(); ++i) CHECK(d.threshold[i] < d.threshold[i - 1]);
  CHECK(decimate(roc, 5000).far.size() == 2501);
  CHECK_THROWS_AS(decimate(roc, 1), kd::Error);
}

TEST_CASE("perfect separation scores 100 % under both protocols", "[eval]") {
  std::mt19937 rng(7);
  PairSet p;
  Embeddings a, af, b, bf;
  noisy_pairs(600, 16, 0.05, rng, p, a, af, b, bf);
  for (const VerificationResult& r : {score_askd(p, a, af, b, bf), score_insightface(p, a, af, b, bf)}) {
    INFO(r.protocol);
    CHECK(r.mean == 1.0);
    CHECK(r.std == 0.0);
    for (const FoldResult& f : r.folds) CHECK(f.accuracy == 1.0);
    CHECK(r.tar_at(1e-2) == 1.0);
    CHECK(r.tar_at(1e-3) == 1.0);
    CHECK(r.roc_far.size() <= 1000);
    CHECK(r.roc_tar.back() == 1.0);
    CHECK_THROWS_AS(r.tar_at(0.5), kd::Error);
    const nlohmann::json j = to_json(r);
    CHECK(j["mean"] == 1.0);
    CHECK(j["folds"].size() == 10);
    CHECK(j["tar_at_far"][0]["far_target"] == 1e-2);
    CHECK(j["roc"]["threshold"][0].is_null());  // +inf
    CHECK(!j.contains("scores"));
    CHECK(to_json(r, true)["scores"].size() == 600);
  }
}

TEST_CASE("bad input is an error that names the problem", "[eval][errors]") {
  const Example ex = askd_example();
  auto msg = [](auto&& f) {
    try {
      f();
    } catch (const kd::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  {  // fold id outside [0, n_folds)
    PairSet p = ex.pairs;
    p.fold[3] = 10;
    CHECK_THAT(msg([&] { score_askd(p, ex.a, ex.a, ex.b, ex.b); }),
               Catch::Contains("pair 3 has fold id 10"));
    p.fold[3] = -1;
    CHECK_THAT(msg([&] { score_insightface(p, ex.a, ex.a, ex.b, ex.b); }),
               Catch::Contains("fold id -1"));
  }
  {  // a fold with no pairs
    PairSet p = ex.pairs;
    p.fold[18] = p.fold[19] = 0;
    CHECK_THAT(msg([&] { score_askd(p, ex.a, ex.a, ex.b, ex.b); }),
               Catch::Contains("fold 9 of 10 holds no pair"));
  }
  {  // labels and folds of different lengths
    PairSet p = ex.pairs;
    p.same.pop_back();
    CHECK_THAT(msg([&] { score_askd(p, ex.a, ex.a, ex.b, ex.b); }),
               Catch::Contains("20 fold ids but 19"));
  }
  {  // embeddings: rows, dims, values
    Embeddings short_b = ex.b;
    short_b.n = 19;
    short_b.v.resize(38);
    CHECK_THAT(msg([&] { score_askd(ex.pairs, ex.a, ex.a, short_b, ex.b); }),
               Catch::Contains("'side B' have 19 rows, expected one per pair (20)"));
    std::mt19937 rng(1);
    const Embeddings wide = random_embeddings(20, 3, rng);
    CHECK_THAT(msg([&] { score_insightface(ex.pairs, ex.a, wide, ex.b, ex.b); }),
               Catch::Contains("'side A flipped' have dim 3, expected 2"));
    Embeddings bad = ex.a;
    bad.v[5] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THAT(msg([&] { score_askd(ex.pairs, ex.a, ex.a, ex.b, bad); }),
               Catch::Contains("'side B flipped' row 2 column 1"));
    Embeddings ragged = ex.a;
    ragged.v.pop_back();
    CHECK_THAT(msg([&] { score_askd(ex.pairs, ragged, ex.a, ex.b, ex.b); }),
               Catch::Contains("hold 39 values, expected n*dim"));
  }
  {  // one class only
    PairSet p = ex.pairs;
    for (size_t i = 0; i < p.same.size(); ++i) p.same[i] = true;
    CHECK_THAT(msg([&] { score_askd(p, ex.a, ex.a, ex.b, ex.b); }),
               Catch::Contains("needs same and different pairs"));
  }
  {  // zero-norm features
    Embeddings za = ex.a, zb = ex.b;
    za.v[0] = za.v[1] = 0;  // view + flip = 0 for pair 0
    CHECK_THAT(msg([&] { score_insightface(ex.pairs, za, za, ex.b, ex.b); }),
               Catch::Contains("pair 0 has zero norm"));
    // askd: every feature equals the training mean, so nothing is left after centring.
    const Embeddings same_everywhere = rows2(std::vector<std::pair<double, double>>(20, {1, 1}));
    CHECK_THAT(msg([&] {
                 score_askd(ex.pairs, same_everywhere, same_everywhere, same_everywhere,
                            same_everywhere);
               }),
               Catch::Contains("pair 0 side A equals the mean feature of the folds other than 0"));
  }
  {  // too few pairs for KFold
    PairSet p;
    p.fold = {0, 1};
    p.same = {true, false};
    Embeddings e = rows2({{1, 0}, {0, 1}});
    VerificationOptions o;
    o.n_folds = 2;
    CHECK_NOTHROW(score_insightface(p, e, e, e, e, o));
    o.n_folds = 3;
    CHECK_THAT(msg([&] { score_insightface(p, e, e, e, e, o); }),
               Catch::Contains("fold 2 of 3 holds no pair"));
    CHECK_THROWS_AS(kfold_blocks(2, 3), kd::Error);
  }
}

TEST_CASE("timing: 6,000 pairs x 512-d, both protocols", "[eval][timing]") {
  std::mt19937 rng(99);
  PairSet p;
  Embeddings a, af, b, bf;
  noisy_pairs(6000, 512, 1.0, rng, p, a, af, b, bf);
  // Wall time on a shared machine mostly measures the neighbours; CPU time is printed too.
  auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  const VerificationResult r = score_askd(p, a, af, b, bf);
  auto t1 = std::chrono::steady_clock::now();
  const std::clock_t c1 = std::clock();
  const VerificationResult ri = score_insightface(p, a, af, b, bf);
  auto t2 = std::chrono::steady_clock::now();
  const std::clock_t c2 = std::clock();
  std::printf("eval timing (6000 pairs, 512-d): askd %.3f s wall / %.3f s CPU (acc %.4f +- %.4f), "
              "insightface %.3f s wall / %.3f s CPU (acc %.4f +- %.4f)\n",
              std::chrono::duration<double>(t1 - t0).count(), double(c1 - c0) / CLOCKS_PER_SEC,
              r.mean, r.std, std::chrono::duration<double>(t2 - t1).count(),
              double(c2 - c1) / CLOCKS_PER_SEC, ri.mean, ri.std);
  CHECK(r.folds.size() == 10);
  CHECK(ri.folds.size() == 10);
}

// Only the fold and same columns of the real pair list are read (no image is opened).
TEST_CASE("val_pairs.tsv: its folds are KFold's blocks, so both protocols split alike",
          "[eval][shared]") {
  const char* env = std::getenv("KDFACE_SHARED_DIR");
  const std::string tsv = std::string(env && *env ? env : KDFACE_SOURCE_DIR "/../shared") +
                          "/data/celeba/val_pairs.tsv";
  std::ifstream in(tsv);
  if (!in) {
    WARN("KDFACE-SKIP: " << tsv << " not found");
    return;
  }
  PairSet p;
  std::string line;
  std::getline(in, line);  // header: fold image_a image_b same
  REQUIRE(line.rfind("fold", 0) == 0);
  int64_t unreadable = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    int fold = -1, same = -1;
    std::string a, b;
    unreadable += !(ls >> fold >> a >> b >> same) || (same != 0 && same != 1);
    p.fold.push_back(fold);
    p.same.push_back(same == 1);
  }
  REQUIRE(unreadable == 0);
  REQUIRE(p.size() == 6000);
  CHECK(p.fold == kfold_blocks(p.size(), 10));
  CHECK_NOTHROW(check_pair_set(p, 10));
}
