#pragma once
// The one launch path. Every kernel launch in kdface is
//
//   KD_LAUNCH(kernel, grid, block, shared_bytes, args...);
//
// which checks the configuration as the hardware would (threads per block against 1,024 and
// against the kernel's own limit from __launch_bounds__ and its registers, dynamic shared
// memory against 48 KiB unless the kernel opted in, grid limits, no empty grid or block) and
// then launches. A bad launch is a kd::Error naming the kernel and the calling file:line,
// not a sticky "invalid configuration" found by the next unrelated check. Under nvcc it is
// the ordinary <<<>>> launch; in the emulated build (KDFACE_CUDA_EMU) the same call runs
// the kernel on the emulated device (cudaemu/).
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/cuda/check_cuda.h"

namespace kd::cuda {

// Where a launch was written: the macro's argument text (the kernel is its first entry),
// file and line.
struct LaunchSite {
  const char* expr;
  const char* file;
  int line;
  std::string kernel_name() const;  // the kernel expression, up to the first top-level comma
  std::string where() const;        // "kernel at file:line"
};

// What the device allows one kernel: from cudaFuncGetAttributes on a GPU, from the emulated
// device's fixed limits otherwise.
struct KernelLimits {
  int max_threads_per_block = 1024;  // __launch_bounds__ and register use lower it
  size_t static_shared_bytes = 0;
  size_t max_dynamic_shared_bytes = 48 * 1024;  // raised only by cudaFuncSetAttribute
};

// Throws kd::Error naming the kernel and the site when the configuration would not launch.
void check_launch_config(const LaunchSite& site, dim3 grid, dim3 block, size_t shared_bytes,
                         const KernelLimits& limits);
// Throws kd::Error naming the kernel and the site when the launch itself failed.
void check_launch_result(const LaunchSite& site, cudaError_t err);

#ifndef KDFACE_CUDA_EMU
// The kernel's limits, asked of the driver once per kernel and kept.
KernelLimits kernel_limits(const void* kernel);
#endif

#if defined(__CUDACC__) && !defined(KDFACE_CUDA_EMU)

template <class... P, class... A>
void launch(const LaunchSite& site, void (*kernel)(P...), dim3 grid, dim3 block, size_t shared_bytes, A&&... args) {
  static_assert(sizeof...(P) == sizeof...(A), "KD_LAUNCH: argument count differs from the kernel's");
  check_launch_config(site, grid, block, shared_bytes, kernel_limits(reinterpret_cast<const void*>(kernel)));
  kernel<<<grid, block, shared_bytes>>>(static_cast<P>(std::forward<A>(args))...);
  check_launch_result(site, cudaGetLastError());
#ifdef KDFACE_SYNC_LAUNCHES
  check_launch_result(site, cudaDeviceSynchronize());  // a fault is reported at its own launch
#endif
}
#elif defined(KDFACE_CUDA_EMU)
}  // namespace kd::cuda
#include "kd_emu/launch.h"
namespace kd::cuda {

template <class... P, class... A>
void launch(const LaunchSite& site, void (*kernel)(P...), dim3 grid, dim3 block, size_t shared_bytes, A&&... args) {
  static_assert(sizeof...(P) == sizeof...(A), "KD_LAUNCH: argument count differs from the kernel's");
  check_launch_config(site, grid, block, shared_bytes, KernelLimits{});
  // The parameters are converted and copied once, as the hardware copies them at launch;
  // every emulated thread then calls the kernel with the same values.
  std::tuple<std::decay_t<P>...> params(static_cast<P>(std::forward<A>(args))...);
  std::vector<const void*> pointers;
  std::apply([&](const auto&... p) { (emu::collect_pointer(pointers, p), ...); }, params);
  emu::launch({site.kernel_name(), site.file, site.line}, grid, block, shared_bytes, pointers,
              [&params, kernel] { std::apply(kernel, params); });
}
#endif

}  // namespace kd::cuda

#define KD_LAUNCH(...) ::kd::cuda::launch(::kd::cuda::LaunchSite{#__VA_ARGS__, __FILE__, __LINE__}, __VA_ARGS__)
