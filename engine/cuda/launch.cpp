// The checks behind KD_LAUNCH (launch.cuh), shared by the GPU build and the emulated one.
#include "engine/cuda/launch.cuh"

#include <mutex>
#include <unordered_map>

namespace kd::cuda {

std::string LaunchSite::kernel_name() const {
  // The macro's text up to the first comma outside <...> and (...): the kernel expression.
  std::string s(expr);
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (c == ',' && depth == 0) return s.substr(0, i);
  }
  return s;
}

std::string LaunchSite::where() const { return str(kernel_name(), " (launched at ", file, ":", line, ")"); }

void check_launch_config(const LaunchSite& site, dim3 grid, dim3 block, size_t shared_bytes,
                         const KernelLimits& limits) {
  const auto bad = [&](const std::string& what) {
    throw Error(str(site.where(), ": launch configuration grid (", grid.x, ",", grid.y, ",", grid.z, ") block (",
                    block.x, ",", block.y, ",", block.z, ") shared ", shared_bytes, " B: ", what));
  };
  const unsigned long long threads = 1ull * block.x * block.y * block.z;
  if (grid.x == 0 || grid.y == 0 || grid.z == 0) bad("empty grid (the caller must skip empty work)");
  if (threads == 0) bad("empty block");
  if (block.x > 1024 || block.y > 1024 || block.z > 64) bad("block dimension over 1024 x 1024 x 64");
  if (threads > 1024) bad(str(threads, " threads per block, more than 1024"));
  if (threads > unsigned(limits.max_threads_per_block))
    bad(str(threads, " threads per block, more than the kernel's limit of ", limits.max_threads_per_block,
            " (__launch_bounds__ or register use)"));
  if (grid.x > 0x7fffffffu || grid.y > 65535 || grid.z > 65535) bad("grid over 2^31-1 x 65535 x 65535 blocks");
  if (shared_bytes > limits.max_dynamic_shared_bytes)
    bad(str("dynamic shared memory over the kernel's ", limits.max_dynamic_shared_bytes,
            " B (cudaFuncAttributeMaxDynamicSharedMemorySize not raised)"));
  if (shared_bytes + limits.static_shared_bytes > 227 * 1024) bad("shared memory over the sm_90 limit of 227 KiB");
}

void check_launch_result(const LaunchSite& site, cudaError_t err) {
  if (err != cudaSuccess) throw Error(str(site.where(), ": launch failed: ", cudaGetErrorString(err)));
}

#ifndef KDFACE_CUDA_EMU
KernelLimits kernel_limits(const void* kernel) {
  static std::mutex mu;
  static auto* cache = new std::unordered_map<const void*, KernelLimits>;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(kernel);
  if (it != cache->end()) return it->second;
  cudaFuncAttributes a{};
  KD_CUDA_CHECK(cudaFuncGetAttributes(&a, kernel));
  KernelLimits l;
  l.max_threads_per_block = a.maxThreadsPerBlock;
  l.static_shared_bytes = a.sharedSizeBytes;
  l.max_dynamic_shared_bytes = size_t(a.maxDynamicSharedSizeBytes);
  return (*cache)[kernel] = l;
}
#endif

}  // namespace kd::cuda
