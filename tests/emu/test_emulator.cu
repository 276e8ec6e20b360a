// The emulated CUDA device catches what docs/testing.md says it catches: every bad kernel
// below must fail, with a message that names it. Kernels whose fault is an out-of-bounds
// access stop the process under AddressSanitizer, so those run in a child process (this
// binary again, asked for one hidden test case) whose exit status and output are checked.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "engine/cuda.h"
#include "engine/cuda/launch.cuh"
#include "engine/cuda/shared_memory.cuh"
#include "engine/tensor.h"
#include "kernels/matmul/gemm_cuda.h"

namespace {

__global__ void block_sum_kernel(const float* x, float* out) {
  __shared__ float s[256];
  s[threadIdx.x] = x[blockIdx.x * 256 + threadIdx.x];
  __syncthreads();
  if (threadIdx.x < 32) {
    float v = 0;
    for (int i = int(threadIdx.x); i < 256; i += 32) v += s[i];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    if (threadIdx.x == 0) out[blockIdx.x] = v;
  }
}

__global__ void missing_barrier_kernel(const float* x, float* y) {
  __shared__ float s[64];
  s[threadIdx.x] = x[threadIdx.x];
  y[threadIdx.x] = s[(threadIdx.x + 1) % 64];  // no __syncthreads() before reading a neighbour's write
}

__global__ void oob_shared_kernel(float* y) {
  __shared__ float s[32];
  s[threadIdx.x] = float(threadIdx.x);  // 64 threads, 32 slots
  __syncthreads();
  y[threadIdx.x] = s[threadIdx.x % 32];
}

__global__ void oob_dynamic_shared_kernel(float* y) {
  KD_DYNAMIC_SHARED(float, s);
  s[threadIdx.x] = float(threadIdx.x);  // 64 threads, 32 floats of dynamic shared memory
  __syncthreads();
  y[threadIdx.x] = s[threadIdx.x % 32];
}

__global__ void oob_global_kernel(const float* x, float* y, int n) {
  y[threadIdx.x] = x[threadIdx.x + n];  // reads past the end of x
}

__global__ void divergent_shuffle_kernel(const float* x, float* y) {
  float v = x[threadIdx.x];
  if (threadIdx.x < 16) v += __shfl_down_sync(0xffffffffu, v, 1);  // lanes 16..31 never arrive
  y[threadIdx.x] = v;
}

__global__ void divergent_barrier_kernel(float* y) {
  if (threadIdx.x < 16) __syncthreads();
  y[threadIdx.x] = 1.f;
}

__global__ void unwritten_output_kernel(const float* x, float* y, int n) {
  const int i = int(blockIdx.x * blockDim.x + threadIdx.x);
  if (i < n && i != 5) y[i] = x[i];  // element 5 is never written
}

__global__ void reads_unwritten_kernel(const float* x, float* y) { y[threadIdx.x] = x[threadIdx.x] * 2.f; }

__global__ void atomic_sum_kernel(const float* x, float* sum) { atomicAdd(sum, x[blockIdx.x]); }

__global__ void copy_kernel(const float* x, float* y) { y[threadIdx.x] = x[threadIdx.x]; }

kd::Tensor on_device(const std::vector<float>& v) {
  return kd::Tensor::from<float>(v, {int64_t(v.size())}).to(kd::cuda_device());
}
kd::Tensor device_empty(int64_t n) { return kd::Tensor::empty({n}, kd::DType::F32, kd::cuda_device()); }
std::vector<float> iota(int n, float scale = 1.f) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[size_t(i)] = float(i) * scale + 0.25f;
  return v;
}

// Runs this binary on one hidden test case; returns its exit status and output.
std::pair<int, std::string> run_child(const std::string& test_name) {
  char self[4096] = {};
  REQUIRE(readlink("/proc/self/exe", self, sizeof self - 1) > 0);  // in popen's shell it would name the shell
  const std::string cmd = std::string("'") + self + "' \"" + test_name + "\" 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  return {pclose(p), out};
}

void require_error_naming(const std::function<void()>& f, const std::string& kernel, const std::string& what) {
  try {
    f();
  } catch (const std::exception& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(kernel) != std::string::npos);
    CHECK(std::string(e.what()).find(what) != std::string::npos);
    return;
  }
  FAIL("no error from " << kernel);
}

}  // namespace

TEST_CASE("a correct kernel with shared memory, barriers and shuffles gives the right sums", "[emu]") {
  REQUIRE(kd::cuda::available());
  kd::Tensor x = on_device(iota(4 * 256, 0.5f));
  kd::Tensor y = device_empty(4);
  KD_LAUNCH(block_sum_kernel, 4, 256, 0, x.data<float>(), y.data<float>());
  std::vector<float> got = y.to(kd::cpu()).to_vector<float>();
  std::vector<float> xs = iota(4 * 256, 0.5f);
  for (int b = 0; b < 4; ++b) {
    double want = 0;
    for (int i = 0; i < 256; ++i) want += xs[size_t(b * 256 + i)];
    CHECK(got[size_t(b)] == Approx(want).epsilon(1e-6));
  }
}

TEST_CASE("a missing __syncthreads is caught as a schedule difference naming the kernel", "[emu]") {
  kd::Tensor x = on_device(iota(64)), y = device_empty(64);
  require_error_naming([&] { KD_LAUNCH(missing_barrier_kernel, 1, 64, 0, x.data<float>(), y.data<float>()); },
                       "missing_barrier_kernel", "schedules 0 and 1 wrote different values");
}

TEST_CASE("a divergent shuffle is an error naming the kernel", "[emu]") {
  kd::Tensor x = on_device(iota(32)), y = device_empty(32);
  require_error_naming([&] { KD_LAUNCH(divergent_shuffle_kernel, 1, 32, 0, x.data<float>(), y.data<float>()); },
                       "divergent_shuffle_kernel", "exited without reaching it");
}

TEST_CASE("a barrier in divergent code is an error naming the kernel, not a hang", "[emu]") {
  kd::Tensor y = device_empty(64);
  require_error_naming([&] { KD_LAUNCH(divergent_barrier_kernel, 1, 64, 0, y.data<float>()); },
                       "divergent_barrier_kernel", "__syncthreads");
}

TEST_CASE("an unwritten output element is caught when it reaches the host, naming the kernel", "[emu]") {
  kd::Tensor x = on_device(iota(40)), y = device_empty(40);
  KD_LAUNCH(unwritten_output_kernel, 2, 32, 0, x.data<float>(), y.data<float>(), 40);
  require_error_naming([&] { (void)y.to(kd::cpu()); }, "unwritten_output_kernel", "no kernel, copy or memset has written");
}

TEST_CASE("a kernel reading memory nothing wrote is caught as a schedule difference", "[emu]") {
  kd::Tensor x = device_empty(32), y = device_empty(32);
  require_error_naming([&] { KD_LAUNCH(reads_unwritten_kernel, 1, 32, 0, x.data<float>(), y.data<float>()); },
                       "reads_unwritten_kernel", "wrote different values");
}

TEST_CASE("order-dependent float atomics are caught as nondeterminism", "[emu]") {
  std::vector<float> v(256);
  for (size_t i = 0; i < v.size(); ++i) v[i] = (i % 3 == 0 ? 1e7f : 1.f) * (i % 2 ? -1.f : 1.f) + 0.1f * float(i);
  kd::Tensor x = on_device(v), s = on_device({0.f});
  require_error_naming([&] { KD_LAUNCH(atomic_sum_kernel, 256, 1, 0, x.data<float>(), s.data<float>()); },
                       "atomic_sum_kernel", "wrote different values");
}

TEST_CASE("launch configurations the hardware refuses are errors naming the kernel and the call site", "[emu]") {
  kd::Tensor x = on_device(iota(32)), y = device_empty(32);
  require_error_naming([&] { KD_LAUNCH(copy_kernel, 1, 2048, 0, x.data<float>(), y.data<float>()); }, "copy_kernel",
                       "over 1024");
  require_error_naming([&] { KD_LAUNCH(copy_kernel, 1, dim3(512, 4), 0, x.data<float>(), y.data<float>()); },
                       "copy_kernel", "2048 threads per block, more than 1024");
  require_error_naming([&] { KD_LAUNCH(copy_kernel, 1, 32, 64 * 1024, x.data<float>(), y.data<float>()); },
                       "copy_kernel", "dynamic shared memory");
  require_error_naming([&] { KD_LAUNCH(copy_kernel, 0, 32, 0, x.data<float>(), y.data<float>()); }, "test_emulator.cu",
                       "empty grid");
}

TEST_CASE("a host pointer passed to a kernel is an error naming the kernel", "[emu]") {
  std::vector<float> host(32, 1.f);
  kd::Tensor y = device_empty(32);
  require_error_naming([&] { KD_LAUNCH(copy_kernel, 1, 32, 0, host.data(), y.data<float>()); }, "copy_kernel",
                       "not device memory");
}

// Hidden cases ([.]), run only by name in a child process: they end the process.
TEST_CASE("crash: shared memory written out of bounds", "[.crash]") {
  kd::Tensor y = device_empty(64);
  KD_LAUNCH(oob_shared_kernel, 1, 64, 0, y.data<float>());
}

TEST_CASE("crash: dynamic shared memory written out of bounds", "[.crash]") {
  kd::Tensor y = device_empty(64);
  KD_LAUNCH(oob_dynamic_shared_kernel, 1, 64, 32 * sizeof(float), y.data<float>());
}

TEST_CASE("crash: global memory read past the end of a tensor", "[.crash]") {
  kd::Tensor x = on_device(iota(100)), y = device_empty(8);  // x's block is 512 B: 28 floats of slack
  KD_LAUNCH(oob_global_kernel, 1, 8, 0, x.data<float>(), y.data<float>(), 98);
}

TEST_CASE("out-of-bounds shared and global accesses stop the process under the sanitizers, naming the kernel",
          "[emu]") {
  for (auto [test, kernel] : {std::pair<std::string, std::string>{"crash: shared memory written out of bounds",
                                                                  "oob_shared_kernel"},
                              {"crash: dynamic shared memory written out of bounds", "oob_dynamic_shared_kernel"},
                              {"crash: global memory read past the end of a tensor", "oob_global_kernel"}}) {
    auto [status, out] = run_child(test);
    INFO(test << "\n" << out);
    CHECK(status != 0);
    CHECK(out.find("cuda emulator: the sanitizer stopped the process inside kernel " + kernel) != std::string::npos);
  }
}

TEST_CASE("the runtime's host side works on the emulated device: timing, L2 flush, memory figures", "[emu]") {
  REQUIRE(kd::cuda::available());
  CHECK(kd::cuda::device_count() == 1);
  CHECK(kd::cuda::device_name().find("emulated") != std::string::npos);
  CHECK(kd::cuda::unavailable_reason().empty());
  kd::Tensor x = on_device(iota(32)), y = device_empty(32);
  const float ms = kd::cuda::time_ms([&] { KD_LAUNCH(copy_kernel, 1, 32, 0, x.data<float>(), y.data<float>()); });
  CHECK(ms >= 0.f);
  CHECK(y.to(kd::cpu()).to_vector<float>() == iota(32));
  kd::cuda::flush_l2(0);
  size_t free_bytes = 0, total = 0;
  kd::cuda::mem_info(&free_bytes, &total);
  CHECK(total > 0);
  CHECK(free_bytes <= total);
  const kd::AllocatorStats before = kd::cuda::allocator_stats();
  CHECK(before.in_use > 0);
  kd::cuda::reset_peak_stats();
  kd::cuda::synchronize();
  kd::cuda::empty_cache();
  CHECK(kd::cuda::allocator_stats().cached == 0);
}

TEST_CASE("running out of device memory is an error naming the allocator, not a crash", "[emu]") {
  // The emulated device reports 8 GiB; 12 GiB cannot be had even after the cache is released.
  require_error_naming([] { (void)kd::Tensor::empty({int64_t(3) << 30}, kd::DType::F32, kd::cuda_device()); },
                       "CUDA device 0 allocator", "");
}

TEST_CASE("a cuBLAS call with bad arguments is an error naming cuBLAS's status", "[emu]") {
  kd::Tensor a = on_device(iota(6)), b = on_device(iota(6)), c = device_empty(4);
  // ldb = 1 is less than B's row length (2): cuBLAS refuses it.
  require_error_naming(
      [&] { kd::gemm_cuda<float>(false, false, 2, 2, 3, 1.f, a.data<float>(), 3, b.data<float>(), 1, 0.f, c.data<float>(), 2); },
      "CUBLAS_STATUS_INVALID_VALUE", "gemm");
}
