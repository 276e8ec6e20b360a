// The distillation losses against values worked out by hand (or by the formula, written out
// here independently of the composed ops): logit KD with the hard label, attention, instance
// and relation KD, the sub-decision losses and head, and the weighted total.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "engine/autograd.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/reduce/reduce.h"
#include "losses/feature_mimic.h"
#include "losses/kd_losses.h"
#include "losses/logit_kd.h"
#include "losses/loss_terms.h"
#include "losses/subdecision.h"
#include "losses/subdecision_kl.h"

using namespace kd;
using namespace kd::losses;
using Catch::Matchers::Contains;

namespace {

Tensor mat(const std::vector<double>& v, const Shape& s) { return Tensor::from(v, s); }
Tensor labels_of(const std::vector<int64_t>& y) { return Tensor::from(y, {int64_t(y.size())}); }

std::vector<double> softmax_row(std::vector<double> z, double T) {
  double mx = z[0], sum = 0;
  for (double v : z) mx = std::fmax(mx, v);
  for (double& v : z) sum += (v = std::exp((v - mx) / T));
  for (double& v : z) v /= sum;
  return z;
}

double kl(const std::vector<double>& p, const std::vector<double>& q) {
  double s = 0;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] > 0) s += p[i] * std::log(p[i] / q[i]);
  return s;
}

double entropy(const std::vector<double>& p) {
  double h = 0;
  for (double v : p)
    if (v > 0) h -= v * std::log(v);
  return h;
}

std::vector<double> row(const Tensor& t, int64_t i) {
  auto v = t.detach().to(DType::F64).to_vector<double>();
  const int64_t c = t.size(1);
  return std::vector<double>(v.begin() + i * c, v.begin() + (i + 1) * c);
}

}  // namespace

TEST_CASE("kd_logit_hard: uniform logits give (1 - alpha) log C and no KL") {
  Tensor z = Tensor::zeros({2, 3}, DType::F64);
  Tensor loss = kd_logit_hard(z, labels_of({0, 2}), z, z, {4.0, 0.25});
  CHECK(loss.item() == Approx(0.75 * std::log(3.0)).epsilon(1e-12));
}

TEST_CASE("kd_logit_hard: (1 - alpha) CE + alpha T^2 KL, value and gradient by formula") {
  const double T = 2.0, alpha = 0.7;
  std::vector<double> zs = {1.0, -0.5, 2.0, 0.3, 0.0, -1.2}, zt = {0.5, 1.5, -1.0, 2.0, -0.3, 0.4};
  std::vector<int64_t> y = {2, 0};
  Tensor s = mat(zs, {2, 3}).requires_grad_(), t = mat(zt, {2, 3}).requires_grad_();
  Tensor loss = kd_logit_hard(s, labels_of(y), s, t, {T, alpha});
  double ce = 0, soft = 0;
  std::vector<double> grad(6);
  for (int i = 0; i < 2; ++i) {
    std::vector<double> a(zs.begin() + 3 * i, zs.begin() + 3 * i + 3), b(zt.begin() + 3 * i, zt.begin() + 3 * i + 3);
    auto p1 = softmax_row(a, 1.0), pT = softmax_row(a, T), qT = softmax_row(b, T);
    ce -= std::log(p1[size_t(y[size_t(i)])]) / 2;
    soft += T * T * kl(qT, pT) / 2;
    // d/dz_s: (1 - alpha)(p - onehot)/N + alpha T (p_T - q_T)/N
    for (int c = 0; c < 3; ++c)
      grad[size_t(3 * i + c)] = ((1 - alpha) * (p1[size_t(c)] - (c == y[size_t(i)])) + alpha * T * (pT[size_t(c)] - qT[size_t(c)])) / 2;
  }
  CHECK(loss.item() == Approx((1 - alpha) * ce + alpha * soft).epsilon(1e-12));
  loss.backward();
  auto g = s.grad().to_vector<double>();
  for (size_t i = 0; i < 6; ++i) CHECK(g[i] == Approx(grad[i]).margin(1e-12));
  CHECK_FALSE(t.grad().defined());  // the teacher is only a target
}

TEST_CASE("kd_logit_hard: bad alpha, temperature and shapes are errors naming them") {
  Tensor z = Tensor::zeros({2, 3});
  CHECK_THROWS_WITH(kd_logit_hard(z, labels_of({0, 1}), z, z, {4.0, 1.5}), Contains("alpha"));
  CHECK_THROWS_WITH(kd_logit_hard(z, labels_of({0, 1}), z, z, {0.0, 0.5}), Contains("temperature"));
  CHECK_THROWS_WITH(kd_logit_hard(z, labels_of({0, 1}), z, Tensor::zeros({2, 4}), {4.0, 0.5}),
                    Contains("teacher"));
}

TEST_CASE("kd_attention: hand-computed cosines, weighted in the total loss") {
  // stage 1: N = 2, C = 2, 2x2 spatial maps
  Tensor ca_s1 = mat({1, 0, 3, 4}, {2, 2, 1, 1}), ca_t1 = mat({1, 1, 4, 3}, {2, 2, 1, 1});
  Tensor sa_s1 = mat({1, 1, 1, 1, 1, 0, 0, 0}, {2, 1, 2, 2}), sa_t1 = mat({2, 2, 2, 2, 0, 1, 0, 0}, {2, 1, 2, 2});
  // cosines: ca 1/sqrt2 and 24/25; sa 1 and 0
  const double stage1 = (((1 - 1 / std::sqrt(2.0)) + 0) / 2 + ((1 - 24.0 / 25) + 1) / 2) / 2;
  // stage 2: N = 2, C = 3, 1x1 spatial maps (their cosine is 1 for positive values)
  Tensor ca_s2 = mat({1, 2, 2, 1, 0, 0}, {2, 3, 1, 1}), ca_t2 = mat({2, 1, 2, 0, 0, 1}, {2, 3, 1, 1});
  Tensor sa_s2 = mat({0.5, 0.2}, {2, 1, 1, 1}), sa_t2 = mat({0.7, 0.9}, {2, 1, 1, 1});
  // cosines: ca 8/9 and 0
  const double stage2 = ((1 - 8.0 / 9) / 2 + 1.0 / 2) / 2;
  Tensor att = kd_attention({{ca_s1, sa_s1}, {ca_s2, sa_s2}}, {{ca_t1, sa_t1}, {ca_t2, sa_t2}});
  CHECK(att.item() == Approx(stage1 + stage2).epsilon(1e-12));

  LossTerms terms(LossWeights({{"arcface", 1.0}, {"kd_attention", 2.5}}));
  terms.add("arcface", Tensor::full({}, 0.75, DType::F64));
  terms.add("kd_attention", att);
  CHECK(terms.total().item() == Approx(0.75 + 2.5 * (stage1 + stage2)).epsilon(1e-12));
}

TEST_CASE("kd_instance and kd_relation: hand-computed values") {
  Tensor fs = mat({1, 0, 1, 1}, {2, 2}), ft = mat({1, 0, -1, 1}, {2, 2});
  // cos(fs_0, ft_0) = 1, cos(fs_1, ft_1) = 0
  CHECK(kd_instance(fs, ft).item() == Approx(0.5).epsilon(1e-12));
  // Gram matrices of the normalised rows differ by 1/sqrt2 - (-1/sqrt2) = sqrt2 off the
  // diagonal: mean of (0, 2, 2, 0) = 1
  CHECK(kd_relation(fs, ft).item() == Approx(1.0).epsilon(1e-12));
  CHECK(kd_relation(fs, fs).item() == Approx(0.0).margin(1e-15));
  // cosine embedding KD of seed 001 is the instance loss with the teacher detached
  Tensor s = fs.clone().requires_grad_(), t = ft.clone().requires_grad_();
  Tensor e = embedding_cosine_kd(s, t);
  CHECK(e.item() == Approx(0.5).epsilon(1e-12));
  e.backward();
  CHECK(s.grad().defined());
  CHECK_FALSE(t.grad().defined());
}

TEST_CASE("weighted_pull_kl: the less informative decision is pulled toward the more informative one") {
  const double l3 = std::log(3.0);
  // sample 0: p1 = (3/4, 1/4) is more informative than p2 = (1/2, 1/2); sample 1 the reverse
  Tensor z1 = mat({l3, 0, 0, 0}, {2, 2}).requires_grad_(), z2 = mat({0, 0, 0, l3}, {2, 2}).requires_grad_();
  Tensor w = mat({0.6, 0.4, 0.3, 0.7}, {2, 2});
  const double k = kl({0.75, 0.25}, {0.5, 0.5});  // = 3/4 log(3/2) + 1/4 log(1/2) = 0.1308...
  CHECK(k == Approx(0.75 * std::log(1.5) + 0.25 * std::log(0.5)));
  Tensor loss = subdecision_kl({z1, z2}, w, 1.0);
  // (w_01 KL(p_01 || p_02) + w_12 KL(p_12 || p_11)) / N
  CHECK(loss.item() == Approx((0.6 * k + 0.7 * k) / 2).epsilon(1e-12));
  loss.backward();
  // d/dz_k of w KL(q || softmax(z_k)) / N = w (p_k - q) / N, only on the pulled side
  auto g1 = z1.grad().to_vector<double>(), g2 = z2.grad().to_vector<double>();
  CHECK(g2[0] == Approx(0.6 * (0.5 - 0.75) / 2));
  CHECK(g2[1] == Approx(0.6 * (0.5 - 0.25) / 2));
  CHECK(g2[2] == Approx(0.0).margin(1e-15));
  CHECK(g1[0] == Approx(0.0).margin(1e-15));
  CHECK(g1[2] == Approx(0.7 * (0.5 - 0.25) / 2));
  CHECK(g1[3] == Approx(0.7 * (0.5 - 0.75) / 2));
}

TEST_CASE("weighted_pull_kl: temperature, ties and errors") {
  // equal decisions: both directions at half weight, each KL 0
  Tensor z = mat({1, 2, 3}, {1, 3});
  CHECK(subdecision_kl({z, z, z}, mat({0.2, 0.3, 0.5}, {1, 3}), 1.0).item() == Approx(0.0).margin(1e-12));
  // T = 2 softens both sides before the KL
  Tensor a = mat({2, 0, -1}, {1, 3}), b = mat({0, 1, 0}, {1, 3});
  auto pa = softmax_row({2, 0, -1}, 2.0), pb = softmax_row({0, 1, 0}, 2.0);
  const bool a_more = entropy(pa) < entropy(pb);
  const double want = a_more ? 0.8 * kl(pa, pb) : 0.2 * kl(pb, pa);
  CHECK(subdecision_kl({a, b}, mat({0.8, 0.2}, {1, 2}), 2.0).item() == Approx(want).epsilon(1e-12));
  CHECK_THROWS_WITH(subdecision_kl({a}, mat({1.0}, {1, 1}), 1.0), Contains("at least 2"));
  CHECK_THROWS_WITH(subdecision_kl({a, b}, mat({0.5, 0.5, 0.0}, {1, 3}), 1.0), Contains("weights"));
  CHECK_THROWS_WITH(subdecision_kl({a, b}, mat({0.5, 0.5}, {1, 2}), -1.0), Contains("temperature"));
}

TEST_CASE("consistency_score: 1 - JS / log n, in [0, 1]") {
  const double l3 = std::log(3.0);
  Tensor z1 = mat({l3, 0}, {1, 2}), z2 = mat({0, 0}, {1, 2});
  // p1 = (3/4, 1/4), p2 = (1/2, 1/2), mean (5/8, 3/8)
  const double js = entropy({0.625, 0.375}) - (entropy({0.75, 0.25}) + entropy({0.5, 0.5})) / 2;
  CHECK(consistency_score({z1, z2}, 1.0).item() == Approx(1 - js / std::log(2.0)).epsilon(1e-12));
  CHECK(consistency_score({z1, z1, z1}, 1.0).item() == Approx(1.0).epsilon(1e-12));
  CHECK(consistency_score({z1}, 1.0).item() == 1.0);
  // two opposite one-hot decisions disagree completely
  Tensor a = mat({100, 0}, {1, 2}), b = mat({0, 100}, {1, 2});
  CHECK(consistency_score({a, b}, 1.0).item() == Approx(0.0).margin(1e-12));
}

namespace {

SubDecisionParams small_params(double drop_p) {
  SubDecisionParams p;
  p.feat_dim = 12, p.emb = 6, p.classes = 5, p.n = 3, p.drop_p = drop_p, p.s = 8.0, p.m = 0.35;
  return p;
}

}  // namespace

TEST_CASE("SubDecisionHead: outputs match their definitions") {
  SubDecisionHead head(small_params(0.4), 11, DType::F64);
  Generator g(3);
  Tensor x = Tensor::randn({4, 12}, g, DType::F64);
  std::vector<int64_t> y = {0, 4, 2, 2};
  SubDecisionOut o = head.forward(x, labels_of(y), 777, true);
  REQUIRE(o.sub_logits.size() == 3);
  CHECK(o.weights.shape() == Shape{4, 3});
  CHECK(o.embedding.shape() == Shape{4, 6});
  CHECK(o.consistency.shape() == Shape{4});
  auto w = o.weights.to_vector<double>();
  auto emb = o.embedding.to_vector<double>();
  auto c = o.consistency.to_vector<double>();
  double want_cos = 0;
  for (int64_t i = 0; i < 4; ++i) {
    CHECK(w[size_t(3 * i)] + w[size_t(3 * i + 1)] + w[size_t(3 * i + 2)] == Approx(1.0));
    CHECK(c[size_t(i)] >= 0.0);
    CHECK(c[size_t(i)] <= 1.0);
    for (int64_t d = 0; d < 6; ++d) {  // the concept-weighted sum of the sub-embeddings
      double s = 0;
      for (int k = 0; k < 3; ++k) s += w[size_t(3 * i + k)] * o.sub_embeddings[size_t(k)].to_vector<double>()[size_t(6 * i + d)];
      CHECK(emb[size_t(6 * i + d)] == Approx(s).epsilon(1e-12));
    }
    for (int k = 0; k < 3; ++k) {  // CosFace: the target logit is s (cos - m), then CE
      auto z = row(o.sub_logits[size_t(k)], i);
      z[size_t(y[size_t(i)])] -= 8.0 * 0.35;
      want_cos -= std::log(softmax_row(z, 1.0)[size_t(y[size_t(i)])]) / (4 * 3);
    }
  }
  CHECK(o.cosface.item() == Approx(want_cos).epsilon(1e-12));
  // The KL by its definition, from the outputs: gate by negative entropy, weight of the target.
  double want_kl = 0;
  for (int64_t i = 0; i < 4; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) {
        if (j == k) continue;
        auto pj = softmax_row(row(o.sub_logits[size_t(j)], i), 1.0), pk = softmax_row(row(o.sub_logits[size_t(k)], i), 1.0);
        const double d = entropy(pk) - entropy(pj);  // I_j - I_k
        const double gate = d > 0 ? 1.0 : d == 0 ? 0.5 : 0.0;
        want_kl += gate * w[size_t(3 * i + j)] * kl(pj, pk) / 4;
      }
  CHECK(o.kl.item() == Approx(want_kl).epsilon(1e-10));
  CHECK(o.kl.item() > 0);
}

TEST_CASE("SubDecisionHead: the dropout masks are a function of the seed") {
  SubDecisionHead head(small_params(0.5), 5);
  Generator g(4);
  Tensor x = Tensor::randn({3, 12}, g);
  auto a = head.forward(x, Tensor(), 123, true), b = head.forward(x, Tensor(), 123, true);
  auto c = head.forward(x, Tensor(), 124, true);
  CHECK(a.embedding.to_vector<float>() == b.embedding.to_vector<float>());  // bit-identical
  CHECK(a.kl.item() == b.kl.item());
  CHECK(a.embedding.to_vector<float>() != c.embedding.to_vector<float>());
  CHECK(a.sub_logits[0].to_vector<float>() != a.sub_logits[1].to_vector<float>());  // blocks differ
  CHECK_FALSE(a.cosface.defined());  // no labels, no classification term
  // the same seed builds the same parameters
  SubDecisionHead again(small_params(0.5), 5), other(small_params(0.5), 6);
  CHECK(again.state_dict().at("embed.weight").to_vector<float>() == head.state_dict().at("embed.weight").to_vector<float>());
  CHECK(other.state_dict().at("embed.weight").to_vector<float>() != head.state_dict().at("embed.weight").to_vector<float>());
}

TEST_CASE("SubDecisionHead: without dropout every sub-decision agrees") {
  SubDecisionHead head(small_params(0.5), 9, DType::F64);
  Generator g(8);
  Tensor x = Tensor::randn({2, 12}, g, DType::F64);
  SubDecisionOut o = head.forward(x, labels_of({1, 3}), 1, false);  // evaluation: dropout off
  auto c = o.consistency.to_vector<double>();
  auto w = o.weights.to_vector<double>();
  for (double v : c) CHECK(v == Approx(1.0).epsilon(1e-12));
  for (double v : w) CHECK(v == Approx(1.0 / 3).epsilon(1e-12));
  CHECK_FALSE(o.kl.defined());
  // the embedding is then the plain linear layer: x W^T + b, by hand
  auto sd = head.state_dict();
  auto W = sd.at("embed.weight").to_vector<double>(), bias = sd.at("embed.bias").to_vector<double>();
  auto xv = x.to_vector<double>(), e = o.embedding.to_vector<double>();
  for (int i = 0; i < 2; ++i)
    for (int d = 0; d < 6; ++d) {
      double s = bias[size_t(d)];
      for (int f = 0; f < 12; ++f) s += xv[size_t(12 * i + f)] * W[size_t(12 * d + f)];
      CHECK(e[size_t(6 * i + d)] == Approx(s).epsilon(1e-12));
    }
  // train with p = 0: the KL is exactly 0
  SubDecisionHead nodrop(small_params(0.0), 9, DType::F64);
  CHECK(nodrop.forward(x, labels_of({1, 3}), 1, true).kl.item() == Approx(0.0).margin(1e-12));
}

TEST_CASE("SubDecisionHead: the total loss reaches every parameter") {
  SubDecisionHead head(small_params(0.3), 2);
  CHECK(head.named_parameters().size() == 4);  // embed.{weight,bias}, concept.weight, classifier.weight
  Generator g(1);
  Tensor x = Tensor::randn({4, 12}, g), teacher = Tensor::randn({4, 6}, g);
  SubDecisionOut o = head.forward(x, labels_of({0, 1, 2, 3}), 42, true);
  LossTerms terms(LossWeights({{"cosface", 1.0}, {"subdecision_kl", 0.5}, {"kd_embedding", 2.0}}));
  terms.add("cosface", o.cosface);
  terms.add("subdecision_kl", o.kl);
  terms.add("kd_embedding", embedding_cosine_kd(o.embedding, teacher));
  terms.total().backward();
  for (auto& [name, p] : head.named_parameters()) {
    INFO(name);
    REQUIRE(p.grad().defined());
    double norm = 0;
    for (float v : p.grad().to_vector<float>()) norm += double(v) * v;
    CHECK(norm > 0);
  }
}

TEST_CASE("SubDecisionHead: bad arguments are errors naming them") {
  CHECK_THROWS_WITH(SubDecisionHead(12, 6, 5, 0, 0.5, 64, 0.35, 1), Contains("n (sub-decisions)"));
  CHECK_THROWS_WITH(SubDecisionHead(12, 6, 5, 3, 1.0, 64, 0.35, 1), Contains("drop_p"));
  SubDecisionHead head(small_params(0.5), 1);
  CHECK_THROWS_WITH(head.forward(Tensor::zeros({2, 10}), Tensor(), 1, true), Contains("feat_dim = 12"));
  nlohmann::json cfg = {{"subdecision", {{"n", 4}, {"drop_p", 0.25}, {"T", 2.0}, {"typo", 1}}}};
  ConfigReader root(cfg, "", "recipe.json");
  auto p = SubDecisionParams::from_config(root.child("subdecision"), 12, 6, 5);
  CHECK(p.n == 4);
  CHECK(p.drop_p == 0.25);
  CHECK(p.T == 2.0);
  CHECK_THROWS_WITH(root.finish(), Contains("typo"));
  nlohmann::json bad = {{"subdecision", {{"drop_p", 1.5}}}};
  ConfigReader rb(bad, "", "recipe.json");
  CHECK_THROWS_WITH(SubDecisionParams::from_config(rb.child("subdecision"), 12, 6, 5), Contains("drop_p"));
}

TEST_CASE("LossTerms: weighted total, logged values and the term that went bad") {
  LossTerms terms(LossWeights({{"arcface", 1.0}, {"kd_logit", 0.5}, {"kd_attention", 0.0}}));
  Tensor a = Tensor::full({}, 2.0, DType::F64).requires_grad_(), b = Tensor::full({1}, 3.0, DType::F64).requires_grad_();
  terms.add("arcface", a);
  terms.add("kd_logit", b);
  terms.add("kd_attention", Tensor::full({}, 7.0, DType::F64));
  Tensor total = terms.total();
  CHECK(total.item() == Approx(2.0 + 0.5 * 3.0));
  total.backward();
  CHECK(a.grad().item() == 1.0);
  CHECK(b.grad().item() == 0.5);
  auto v = terms.values();
  REQUIRE(v.size() == 4);
  CHECK(v[1].first == "kd_logit");
  CHECK(v[1].second == 3.0);  // unweighted
  CHECK(v[2].second == 7.0);  // a weight-0 term is still logged
  CHECK(v[3].first == "total");
  CHECK(v[3].second == Approx(3.5));

  CHECK_THROWS_WITH(terms.add("arcface", a), Contains("added twice"));
  CHECK_THROWS_WITH(terms.add("kd_relation", a), Contains("'kd_relation' has no weight"));
  LossTerms bad(LossWeights({{"cosface", 1.0}, {"subdecision_kl", 1.0}}));
  CHECK_THROWS_WITH(bad.add("subdecision_kl", Tensor::full({}, std::nan(""))), Contains("'subdecision_kl' is nan"));
  CHECK_THROWS_WITH(bad.add("cosface", Tensor::full({}, std::numeric_limits<double>::infinity())),
                    Contains("'cosface' is inf"));
  CHECK_THROWS_WITH(bad.add("cosface", Tensor::zeros({2})), Contains("scalar"));
  CHECK_THROWS_WITH(bad.total(), Contains("no term"));
  CHECK_THROWS_WITH(LossWeights({{"a", -1.0}}), Contains("'a'"));
}

TEST_CASE("LossWeights::from_config: defaults, overrides and strict keys") {
  nlohmann::json cfg = {{"loss", {{"kd_logit", 0.9}, {"kd_atention", 1.0}}}};
  ConfigReader root(cfg, "", "recipe.json");
  auto w = LossWeights::from_config(root.child("loss"), {{"arcface", 1.0}, {"kd_logit", 0.5}, {"kd_attention", 0.0}});
  CHECK(w.weight("arcface") == 1.0);
  CHECK(w.weight("kd_logit") == 0.9);
  CHECK(w.weight("kd_attention") == 0.0);
  CHECK_THROWS_WITH(root.finish(), Contains("kd_atention"));  // the typo does not pass silently
  nlohmann::json neg = {{"loss", {{"kd_logit", -0.1}}}};
  ConfigReader rn(neg, "", "recipe.json");
  CHECK_THROWS_WITH(LossWeights::from_config(rn.child("loss"), {{"kd_logit", 0.5}}), Contains("loss.kd_logit"));
}

TEST_CASE("feature_mimic: mean squared difference, teacher detached; a projection when widths differ") {
  Tensor s = mat({1, 2, 3, 4}, {2, 2}).requires_grad_(), t = mat({0, 2, 5, 4}, {2, 2}).requires_grad_();
  Tensor l = feature_mimic(s, t);
  CHECK(l.item() == Approx((1.0 + 0 + 4 + 0) / 4));
  l.backward();
  auto g = s.grad().to_vector<double>();  // 2 (s - t) / 4
  CHECK(g[0] == Approx(0.5));
  CHECK(g[2] == Approx(-1.0));
  CHECK_FALSE(t.grad().defined());
  CHECK_THROWS_WITH(feature_mimic(s, Tensor::zeros({2, 3}, DType::F64)), Contains("project"));

  FeatureMimic same(4, 4, 1);
  CHECK(same.named_parameters().empty());
  FeatureMimic proj(3, 5, 7);  // tiny (128) -> teacher (512) in miniature
  auto params = proj.named_parameters();
  REQUIRE(params.size() == 1);
  CHECK(params[0].first == "proj.weight");
  CHECK(params[0].second.shape() == Shape{5, 3});
  Generator g2(2);
  Tensor fs = Tensor::randn({4, 3}, g2), ft = Tensor::randn({4, 5}, g2);
  Tensor loss = proj.forward(fs, ft);
  // by hand: P = W f_s, mean over the 4 x 5 entries of (P - f_t)^2
  auto W = params[0].second.to_vector<float>(), a = fs.to_vector<float>(), b = ft.to_vector<float>();
  double want = 0;
  for (int i = 0; i < 4; ++i)
    for (int o = 0; o < 5; ++o) {
      double p = 0;
      for (int k = 0; k < 3; ++k) p += double(W[size_t(3 * o + k)]) * a[size_t(3 * i + k)];
      want += (p - b[size_t(5 * i + o)]) * (p - b[size_t(5 * i + o)]) / 20;
    }
  CHECK(loss.item() == Approx(want).epsilon(1e-5));
  loss.backward();
  CHECK(params[0].second.grad().defined());
  CHECK_THROWS_WITH(proj.forward(ft, fs), Contains("FeatureMimic"));
}
