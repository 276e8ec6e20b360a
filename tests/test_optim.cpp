// SGD against values computed by hand with torch.optim.SGD's update rule (float64, 3 steps),
// and learning-rate schedules against PyTorch's StepLR / MultiStepLR / CosineAnnealingLR /
// LinearLR closed forms.
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/optim/schedule.h"
#include "engine/optim/sgd.h"

using namespace kd;

namespace {

const std::vector<double> kP0{1.0, -2.0, 0.5};
const std::vector<std::vector<double>> kGrads{{0.1, -0.2, 0.3}, {-0.4, 0.5, 0.05}, {0.2, 0.1, -0.3}};

// Runs 3 steps of SGD on one parameter fed the fixed gradients above; returns p after each.
template <class T>
std::vector<std::vector<double>> run3(const SGDOptions& o, std::map<std::string, Tensor>* state = nullptr) {
  Tensor p = Tensor::from(std::vector<T>(kP0.begin(), kP0.end()), {3});
  p.requires_grad_(true);
  SGD opt({p}, o);
  std::vector<std::vector<double>> out;
  for (auto& g : kGrads) {
    p.set_grad(Tensor::from(std::vector<T>(g.begin(), g.end()), {3}));
    opt.step();
    auto v = p.template to_vector<T>();
    out.emplace_back(v.begin(), v.end());
  }
  if (state) *state = opt.state_dict();
  return out;
}

void check_close(const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want, double tol) {
  REQUIRE(got.size() == want.size());
  for (size_t s = 0; s < got.size(); ++s)
    for (size_t i = 0; i < 3; ++i) {
      INFO("step " << s + 1 << " element " << i);
      CHECK(got[s][i] == Approx(want[s][i]).epsilon(0).margin(tol));
    }
}

SGDOptions opts(double momentum, double dampening, bool nesterov) {
  SGDOptions o;
  o.lr = 0.1;
  o.momentum = momentum;
  o.dampening = dampening;
  o.weight_decay = 5e-4;
  o.nesterov = nesterov;
  return o;
}

}  // namespace

TEST_CASE("SGD with momentum 0.9 and weight decay matches PyTorch", "[optim]") {
  const std::vector<std::vector<double>> want{{0.98995, -1.9799, 0.46997500000000003},
                                              {1.0208555024999999, -2.011711005, 0.43792900125000001},
                                              {1.0286194119748748, -2.0502403239497502, 0.43906570592493749}};
  std::map<std::string, Tensor> st;
  check_close(run3<double>(opts(0.9, 0, false), &st), want, 1e-14);
  REQUIRE(st.count("momentum.0"));
  auto buf = st.at("momentum.0").to_vector<double>();
  CHECK(buf[0] == Approx(-0.077639094748750026).margin(1e-15));
  CHECK(buf[1] == Approx(0.38529318949749997).margin(1e-15));
  CHECK(buf[2] == Approx(-0.011367046749374998).margin(1e-15));
  check_close(run3<float>(opts(0.9, 0, false)), want, 2e-6);
}

TEST_CASE("SGD Nesterov matches PyTorch", "[optim]") {
  check_close(run3<double>(opts(0.9, 0, true)),
              {{0.98090500000000003, -1.9618100000000001, 0.44295249999999997},
               {1.0486713140249999, -2.0403426280499999, 0.40909016951249999},
               {1.0356055135976676, -2.0849164421953352, 0.44009514137014627}},
              1e-14);
}

TEST_CASE("SGD dampening applies from the second step, as in PyTorch", "[optim]") {
  check_close(run3<double>(opts(0.9, 0.1, false)),
              {{0.98995, -1.9799, 0.46997500000000003},
               {1.01686045225, -2.0067209044999998, 0.43843135112500004},
               {1.0230341005546488, -2.0397694161092974, 0.43702233772669941}},
              1e-14);
}

TEST_CASE("SGD without momentum keeps no state", "[optim]") {
  std::map<std::string, Tensor> st{{"x", Tensor()}};
  check_close(run3<double>(opts(0, 0, false), &st),
              {{0.98995, -1.9799, 0.46997500000000003},
               {1.0299005025000001, -2.0298010049999999, 0.46495150125000001},
               {1.0098490074748752, -2.0396995149497501, 0.49492825367493753}},
              1e-14);
  CHECK(st.empty());
}

TEST_CASE("SGD skips parameters without a gradient and starts their buffer on first use", "[optim]") {
  Tensor a = Tensor::from<double>({1, 2}, {2}), b = Tensor::from<double>({3, 4}, {2});
  a.requires_grad_(true);
  b.requires_grad_(true);
  SGD opt({{"a", a}, {"b", b}}, opts(0.9, 0, false));
  a.set_grad(Tensor::from<double>({1, 1}, {2}));
  opt.step();
  CHECK(b.to_vector<double>() == std::vector<double>{3, 4});
  CHECK(opt.state_dict().size() == 1);
  CHECK(opt.state_dict().count("momentum.a"));
  opt.zero_grad();
  CHECK(!a.grad().defined());
  b.set_grad(Tensor::from<double>({1, -1}, {2}));
  opt.step();  // a has no grad now: unchanged; b's first step uses buf = g
  CHECK(a.to_vector<double>()[0] == Approx(1 - 0.1 * (1 + 5e-4)));
  CHECK(b.to_vector<double>()[0] == Approx(3 - 0.1 * (1 + 5e-4 * 3)));
  CHECK(opt.state_dict().size() == 2);
}

TEST_CASE("SGD state round trip continues the same trajectory", "[optim]") {
  auto make = [] {
    Tensor p = Tensor::from<float>({0.5f, -1.5f, 2.f, 0.25f}, {2, 2});
    p.requires_grad_(true);
    return p;
  };
  auto grad = [](int k) { return Tensor::from<float>({0.1f * k, -0.2f, 0.3f, -0.05f * k}, {2, 2}); };
  Tensor p1 = make(), p2 = make();
  SGD o1({{"w", p1}}, opts(0.9, 0, true)), o2({{"w", p2}}, opts(0.9, 0, true));
  for (int k = 1; k <= 2; ++k) {
    p1.set_grad(grad(k));
    o1.step();
  }
  auto saved = o1.state_dict();
  p2.detach().copy_from(p1.detach());
  o2.load_state_dict(saved);
  // The saved copy must not alias the live buffer.
  p1.set_grad(grad(3));
  o1.step();
  CHECK(saved.at("momentum.w").to_vector<float>() != o1.state_dict().at("momentum.w").to_vector<float>());
  p2.set_grad(grad(3));
  o2.step();
  CHECK(p1.to_vector<float>() == p2.to_vector<float>());
}

TEST_CASE("SGD rejects bad options and bad state with clear messages", "[optim]") {
  Tensor p = Tensor::zeros({3}, DType::F32);
  p.requires_grad_(true);
  SGDOptions o = opts(0, 0, true);
  CHECK_THROWS_WITH(SGD({p}, o), Catch::Contains("Nesterov momentum requires"));
  o = opts(0.9, 0.1, true);
  CHECK_THROWS_WITH(SGD({p}, o), Catch::Contains("zero dampening"));
  o = opts(0.9, 0, false);
  o.lr = -1;
  CHECK_THROWS_WITH(SGD({p}, o), Catch::Contains("invalid learning rate"));
  CHECK_THROWS_WITH(SGD(std::vector<Tensor>{p, p}, opts(0.9, 0, false)), Catch::Contains("more than once"));

  SGD opt({{"fc.weight", p}}, opts(0.9, 0, false));
  CHECK_THROWS_WITH(opt.load_state_dict({{"momentum.fc.bias", Tensor::zeros({3})}}, "ck.safetensors"),
                    Catch::Contains("ck.safetensors") && Catch::Contains("'momentum.fc.bias'") &&
                        Catch::Contains("names no parameter"));
  CHECK_THROWS_WITH(opt.load_state_dict({{"momentum.fc.weight", Tensor::zeros({4})}}),
                    Catch::Contains("'momentum.fc.weight'") && Catch::Contains("[4]") && Catch::Contains("[3]"));
  CHECK_THROWS_WITH(opt.load_state_dict({{"velocity.fc.weight", Tensor::zeros({3})}}),
                    Catch::Contains("unexpected SGD state key 'velocity.fc.weight'"));
  p.set_grad(Tensor::zeros({4}));
  CHECK_THROWS_WITH(opt.step(), Catch::Contains("gradient of 'fc.weight' has shape [4]"));
  p.set_grad(Tensor::zeros({3}, DType::F64));
  CHECK_THROWS_WITH(opt.step(), Catch::Contains("float64"));
  CHECK_THROWS_WITH(opt.set_lr(std::nan("")), Catch::Contains("invalid learning rate"));
  opt.set_lr(0.01);
  CHECK(opt.lr() == 0.01);
}

TEST_CASE("sgd_update_cpu handles sizes across the parallel chunking", "[optim]") {
  const int64_t n = (1 << 16) + 7;
  std::vector<float> p(n, 1.f), g(n), buf(n, 0.f);
  for (int64_t i = 0; i < n; ++i) g[i] = float(i % 13) * 0.01f;
  SGDHyper h{0.5, 0.9, 0, 0, false};
  sgd_update_cpu<float>(p.data(), g.data(), buf.data(), n, h, true);
  sgd_update_cpu<float>(p.data(), g.data(), buf.data(), n, h, false);
  for (int64_t i : {int64_t(0), int64_t(12), n / 2, n - 1}) {
    const float gi = float(i % 13) * 0.01f;
    CHECK(buf[i] == Approx(1.9f * gi));
    CHECK(p[i] == Approx(1.f - 0.5f * gi - 0.5f * 1.9f * gi));
  }
}

// ---- schedules -------------------------------------------------------------------------

TEST_CASE("step decay matches StepLR", "[optim][schedule]") {
  auto s = LrSchedule::step(0.1, 30, 0.1);
  CHECK(s.lr_at(0) == Approx(0.1));
  CHECK(s.lr_at(29) == Approx(0.1));
  CHECK(s.lr_at(30) == Approx(0.01));
  CHECK(s.lr_at(59) == Approx(0.01));
  CHECK(s.lr_at(60) == Approx(0.001));
  CHECK(s.lr_at(95) == Approx(0.0001));
}

TEST_CASE("milestone decay matches MultiStepLR", "[optim][schedule]") {
  auto s = LrSchedule::multistep(0.1, {10, 18, 22}, 0.1);
  CHECK(s.lr_at(0) == Approx(0.1));
  CHECK(s.lr_at(9) == Approx(0.1));
  CHECK(s.lr_at(10) == Approx(0.01));
  CHECK(s.lr_at(17) == Approx(0.01));
  CHECK(s.lr_at(18) == Approx(0.001));
  CHECK(s.lr_at(22) == Approx(0.0001));
  CHECK(s.lr_at(1000) == Approx(0.0001));
  CHECK(LrSchedule::multistep(0.1, {}, 0.1).lr_at(50) == Approx(0.1));
}

TEST_CASE("cosine matches CosineAnnealingLR's closed form and then holds min_lr", "[optim][schedule]") {
  auto s = LrSchedule::cosine(0.1, 100, 0.0);
  CHECK(s.lr_at(0) == Approx(0.1));
  CHECK(s.lr_at(25) == Approx(0.05 * (1 + std::sqrt(0.5))));
  CHECK(s.lr_at(50) == Approx(0.05));
  CHECK(s.lr_at(75) == Approx(0.05 * (1 - std::sqrt(0.5))));
  CHECK(s.lr_at(100) == Approx(0.0).margin(1e-15));
  CHECK(s.lr_at(150) == Approx(0.0).margin(1e-15));
  auto m = LrSchedule::cosine(0.1, 100, 0.001);
  CHECK(m.lr_at(50) == Approx(0.0505));
  CHECK(m.lr_at(100) == Approx(0.001));
  // PyTorch's recursive update gives the same curve (checked on a few steps).
  double lr = 0.1;
  const double eta = 0.001, T = 100;
  for (int e = 1; e <= 60; ++e) {
    lr = eta + (lr - eta) * (1 + std::cos(M_PI * e / T)) / (1 + std::cos(M_PI * (e - 1) / T));
    if (e % 20 == 0) CHECK(m.lr_at(e) == Approx(lr).epsilon(1e-12));
  }
}

TEST_CASE("linear warm-up matches LinearLR chained with the decay", "[optim][schedule]") {
  auto s = LrSchedule::multistep(0.1, {10, 20}, 0.1).with_warmup(5, 0.1);
  CHECK(s.lr_at(0) == Approx(0.01));
  CHECK(s.lr_at(2) == Approx(0.1 * (0.1 + 0.9 * 2 / 5.0)));
  CHECK(s.lr_at(4) == Approx(0.1 * (0.1 + 0.9 * 4 / 5.0)));
  CHECK(s.lr_at(5) == Approx(0.1));
  CHECK(s.lr_at(10) == Approx(0.01));  // milestones are absolute steps
  auto c = LrSchedule::cosine(0.1, 110, 0.0).with_warmup(10);
  CHECK(c.lr_at(0) == Approx(0.0).margin(1e-15));
  CHECK(c.lr_at(5) == Approx(0.05));
  CHECK(c.lr_at(10) == Approx(0.1));
  CHECK(c.lr_at(60) == Approx(0.05));
  CHECK(c.lr_at(110) == Approx(0.0).margin(1e-15));
  CHECK(LrSchedule::constant(0.3).lr_at(1000) == Approx(0.3));
}

TEST_CASE("invalid schedules are rejected naming the field", "[optim][schedule]") {
  CHECK_THROWS_WITH(LrSchedule::step(0.1, 0), Catch::Contains("step_size"));
  CHECK_THROWS_WITH(LrSchedule::multistep(0.1, {10, 5}), Catch::Contains("strictly increasing"));
  CHECK_THROWS_WITH(LrSchedule::cosine(0.1, 10).with_warmup(10), Catch::Contains("total_steps"));
  CHECK_THROWS_WITH(LrSchedule::cosine(0.1, 10, 0.2), Catch::Contains("min_lr"));
  CHECK_THROWS_WITH(LrSchedule::constant(0.1).with_warmup(3, 1.5), Catch::Contains("warmup_start_factor"));
  CHECK_THROWS_WITH(LrSchedule::constant(0.1).lr_at(-1), Catch::Contains("step must be >= 0"));
  CHECK_THROWS_WITH(LrSchedule::kind_from_name("poly"), Catch::Contains("unknown lr schedule 'poly'"));
  CHECK(LrSchedule::kind_from_name("cosine") == LrSchedule::Kind::Cosine);
  CHECK(LrSchedule::multistep(0.1, {10, 20}).with_warmup(5, 0.1).str().find("multistep") != std::string::npos);
}
