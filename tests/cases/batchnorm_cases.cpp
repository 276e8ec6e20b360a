// batch_norm in training and evaluation mode, (N, C) and (N, C, H, W). The running buffers
// are inputs without gradients; make_inputs builds fresh ones on every run because training
// updates them in place (the training output does not read them, so the finite differences
// are unaffected).
#include "kernels/batchnorm/batchnorm.h"
#include "tests/support/op_case.h"

using namespace kd;
using kdtest::OpCase;

namespace {

// x, gamma, beta, running_mean, running_var
std::vector<Tensor> bn_inputs(const Shape& s, Generator& g, DType t) {
  const int64_t c = s[1];
  Tensor x = Tensor::randn(s, g, DType::F64, 2.0);
  for (int64_t i = 0; i < x.numel(); ++i) x.data<double>()[i] += 0.5;
  return {x.to(t), Tensor::uniform({c}, g, 0.5, 1.5, t), Tensor::randn({c}, g, t, 0.3),
          Tensor::randn({c}, g, t, 0.2), Tensor::uniform({c}, g, 0.5, 2.0, t)};
}

OpCase bn_case(const std::string& name, Shape s, bool training) {
  return OpCase{"batch_norm", "batch_norm/" + name,
                [s](Generator& g, DType t) { return bn_inputs(s, g, t); },
                [training](const std::vector<Tensor>& in) {
                  return std::vector<Tensor>{batch_norm(in[0], in[1], in[2], in[3], in[4], training, 0.1, 1e-5)};
                },
                {true, true, true, false, false}, 1e-6, 1e-5, 1e-5};
}

}  // namespace

KD_OP_CASES({
    bn_case("train_2d", {8, 5}, true),
    bn_case("train_4d", {4, 3, 5, 5}, true),
    bn_case("train_4d_n1", {1, 6, 3, 4}, true),
    bn_case("eval_2d", {8, 5}, false),
    bn_case("eval_4d", {2, 6, 3, 4}, false),
    // No gradients checked: the updated running buffers are outputs here, for backend parity.
    OpCase{"batch_norm", "batch_norm/train_running_stats",
           [](Generator& g, DType t) { return bn_inputs({3, 4, 2, 5}, g, t); },
           [](const std::vector<Tensor>& in) {
             Tensor rm = in[3].clone(), rv = in[4].clone();
             Tensor y = batch_norm(in[0], in[1], in[2], rm, rv, true, 0.1, 1e-5);
             return std::vector<Tensor>{y, rm, rv};
           },
           {false, false, false, false, false}},
});
