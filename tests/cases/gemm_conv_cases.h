#pragma once
// Case builders for the GEMM-backed ops, shared by their plain cases (matmul_cases.cpp,
// conv_cases.cpp) and by autocast_cases.cpp, which runs the same builders under bf16.
#include <string>

#include "kernels/conv2d/conv2d.h"
#include "kernels/matmul/matmul.h"
#include "tests/support/op_case.h"

namespace kdtest {

// op(a) (M, K) x op(b) (K, N), each stored transposed when asked. Named "matmul/TN_MxKxN".
inline OpCase matmul_case(int64_t M, int64_t K, int64_t N, bool ta, bool tb) {
  OpCase c;
  c.op = "matmul";
  c.name = "matmul/" + std::string(ta ? "T" : "N") + (tb ? "T" : "N") + "_" + std::to_string(M) + "x" +
           std::to_string(K) + "x" + std::to_string(N);
  c.make_inputs = [=](kd::Generator& g, kd::DType t) {
    return std::vector<kd::Tensor>{kd::Tensor::randn(ta ? kd::Shape{K, M} : kd::Shape{M, K}, g, t),
                                   kd::Tensor::randn(tb ? kd::Shape{N, K} : kd::Shape{K, N}, g, t)};
  };
  c.run = [=](const std::vector<kd::Tensor>& in) { return std::vector<kd::Tensor>{kd::matmul(in[0], in[1], ta, tb)}; };
  return c;
}

// x (N, in), w (out, in), bias (out) when with_bias. Named "linear/<name>".
inline OpCase linear_case(const std::string& name, int64_t N, int64_t in, int64_t out, bool with_bias) {
  OpCase c;
  c.op = "linear";
  c.name = "linear/" + name;
  c.make_inputs = [=](kd::Generator& g, kd::DType t) {
    std::vector<kd::Tensor> v{kd::Tensor::randn({N, in}, g, t), kd::Tensor::randn({out, in}, g, t)};
    if (with_bias) v.push_back(kd::Tensor::randn({out}, g, t));
    return v;
  };
  c.run = [](const std::vector<kd::Tensor>& v) {
    return std::vector<kd::Tensor>{kd::linear(v[0], v[1], v.size() > 2 ? v[2] : kd::Tensor())};
  };
  return c;
}

// x (N, C, H, W), w (O, C / groups, k, k) scaled like a fan-in init, bias (O) when with_bias.
// Named "conv2d/<name>".
inline OpCase conv_case(const std::string& name, kd::Shape x, int64_t O, int64_t k, kd::Conv2dParams p,
                        bool with_bias) {
  OpCase c;
  c.op = "conv2d";
  c.name = "conv2d/" + name;
  int64_t cg = x[1] / p.groups;
  c.make_inputs = [=](kd::Generator& g, kd::DType t) {
    std::vector<kd::Tensor> in{kd::Tensor::randn(x, g, t),
                               kd::Tensor::randn({O, cg, k, k}, g, t, 1.0 / double(cg * k))};
    if (with_bias) in.push_back(kd::Tensor::randn({O}, g, t));
    return in;
  };
  c.run = [=](const std::vector<kd::Tensor>& in) {
    return std::vector<kd::Tensor>{kd::conv2d(in[0], in[1], in.size() > 2 ? in[2] : kd::Tensor(), p)};
  };
  return c;
}

}  // namespace kdtest
