// The run-time choice between the native CUDA convolution and cuDNN (conv2d_backend.h): the
// default, KDFACE_CONV parsing and its errors, that CPU convolutions ignore the choice, and
// that a build without cuDNN refuses the choice only when a CUDA convolution runs. Runs
// without a GPU; the cuDNN numbers themselves are checked in test_cuda_backend.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

#include "engine/autograd.h"
#include "engine/cuda.h"
#include "kernels/conv2d/conv2d.h"
#include "kernels/conv2d/conv2d_backend.h"

using namespace kd;
using Catch::Contains;

namespace {

// Restores KDFACE_CONV and forgets the selection when a test ends, so tests do not leak
// their choice into each other (or into the process's later convolutions).
struct EnvGuard {
  bool had = false;
  std::string old;
  EnvGuard() {
    if (const char* v = std::getenv("KDFACE_CONV")) had = true, old = v;
    reset_conv_backend();
  }
  ~EnvGuard() {
    if (had)
      setenv("KDFACE_CONV", old.c_str(), 1);
    else
      unsetenv("KDFACE_CONV");
    reset_conv_backend();
  }
  void set(const char* v) {
    setenv("KDFACE_CONV", v, 1);
    reset_conv_backend();
  }
  void unset() {
    unsetenv("KDFACE_CONV");
    reset_conv_backend();
  }
};

// y and the gradients of sum(y * gy) for a grouped, strided conv with bias on the CPU.
std::vector<std::vector<float>> cpu_conv_results() {
  Generator g(7);
  Tensor x = Tensor::randn({2, 8, 7, 7}, g).requires_grad_();
  Tensor w = Tensor::randn({8, 2, 3, 3}, g, DType::F32, 0.3).requires_grad_();
  Tensor b = Tensor::randn({8}, g).requires_grad_();
  Tensor y = conv2d(x, w, b, {2, 1, 4});
  Tensor gy = Tensor::randn(y.shape(), g);
  y.backward(gy);
  return {y.to_vector<float>(), x.grad().to_vector<float>(), w.grad().to_vector<float>(), b.grad().to_vector<float>()};
}

}  // namespace

TEST_CASE("conv backend: native by default", "[conv_backend]") {
  EnvGuard env;
  env.unset();
  CHECK(conv_backend() == ConvBackend::Native);
  env.set("");
  CHECK(conv_backend() == ConvBackend::Native);
  CHECK(std::string(conv_backend_name(ConvBackend::Native)) == "native");
  CHECK(std::string(conv_backend_name(ConvBackend::Cudnn)) == "cudnn");
}

TEST_CASE("conv backend: KDFACE_CONV is parsed once, set_conv_backend overrides it", "[conv_backend]") {
  EnvGuard env;
  CHECK(parse_conv_backend(nullptr) == ConvBackend::Native);
  CHECK(parse_conv_backend("native") == ConvBackend::Native);
  CHECK(parse_conv_backend("cudnn") == ConvBackend::Cudnn);

  env.set("cudnn");
  CHECK(conv_backend() == ConvBackend::Cudnn);
  setenv("KDFACE_CONV", "native", 1);  // read once: a later change is not seen
  CHECK(conv_backend() == ConvBackend::Cudnn);
  set_conv_backend(ConvBackend::Native);
  CHECK(conv_backend() == ConvBackend::Native);

  env.set("native");
  set_conv_backend(ConvBackend::Cudnn);  // before the first read: the variable is never consulted
  CHECK(conv_backend() == ConvBackend::Cudnn);
}

TEST_CASE("conv backend: a bad KDFACE_CONV names the variable and the allowed values", "[conv_backend]") {
  EnvGuard env;
  for (const char* bad : {"CUDNN", "cuda", "native ", "1"}) {
    INFO(bad);
    CHECK_THROWS_WITH(parse_conv_backend(bad), Contains("KDFACE_CONV") && Contains("'native' or 'cudnn'") &&
                                                   Contains(std::string("'") + bad + "'"));
  }
  env.set("gpu");
  CHECK_THROWS_WITH(conv_backend(), Contains("KDFACE_CONV") && Contains("'gpu'"));
  // Still unset after the failure: every later CUDA convolution reports it, none runs silently.
  CHECK_THROWS_WITH(conv_backend_for(cuda_device()), Contains("KDFACE_CONV"));
  // The CPU never consults the selection, so a typo cannot stop a CPU-only run.
  CHECK(conv_backend_for(cpu()) == ConvBackend::Native);
  set_conv_backend(ConvBackend::Native);
  CHECK(conv_backend() == ConvBackend::Native);
}

TEST_CASE("conv backend: selecting cudnn leaves CPU convolutions unchanged", "[conv_backend]") {
  EnvGuard env;
  set_conv_backend(ConvBackend::Native);
  const auto native = cpu_conv_results();
  set_conv_backend(ConvBackend::Cudnn);
  CHECK(conv_backend_for(cpu()) == ConvBackend::Native);
  const auto selected = cpu_conv_results();  // does not throw, even in a build without cuDNN
  REQUIRE(native.size() == selected.size());
  for (size_t k = 0; k < native.size(); ++k) {
    INFO("result " << k << " (y, dx, dw, db)");
    CHECK(native[k] == selected[k]);  // the same kernel: bit for bit
  }
}

TEST_CASE("conv backend: cudnn without cuDNN is an error only when a CUDA conv runs", "[conv_backend]") {
  EnvGuard env;
  set_conv_backend(ConvBackend::Cudnn);  // selecting is never an error
  CHECK(conv_backend() == ConvBackend::Cudnn);
  if (conv_cudnn_built()) {
    CHECK(conv_backend_for(cuda_device()) == ConvBackend::Cudnn);
    std::cout << "conv backend: built with cuDNN, so the 'built without cuDNN' error cannot occur here\n";
    return;
  }
  CHECK_THROWS_WITH(conv_backend_for(cuda_device()),
                    Contains("conv2d") && Contains("built without cuDNN") && Contains("KDFACE_CUDNN"));
  set_conv_backend(ConvBackend::Native);
  CHECK(conv_backend_for(cuda_device()) == ConvBackend::Native);
  if (!cuda::available()) {
    std::cout << "conv backend: no CUDA device (" << cuda::unavailable_reason()
              << "); the error was checked through conv_backend_for(cuda_device())\n";
    return;
  }
  // A real CUDA convolution in a CUDA build without cuDNN: refused before any kernel runs.
  set_conv_backend(ConvBackend::Cudnn);
  Generator g(3);
  Tensor x = Tensor::randn({1, 4, 5, 5}, g).to(cuda_device());
  Tensor w = Tensor::randn({4, 1, 3, 3}, g).to(cuda_device());
  CHECK_THROWS_WITH(conv2d(x, w, Tensor(), {1, 1, 4}), Contains("built without cuDNN"));
  set_conv_backend(ConvBackend::Native);
  CHECK(conv2d(x, w, Tensor(), {1, 1, 4}).shape() == Shape{1, 4, 5, 5});
}
