#pragma once
// The host side of an emulated launch (called by kd::cuda::launch in engine/cuda/launch.cuh).
#include <cstddef>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "kd_emu/vector_types.h"

namespace kd::emu {

struct Site {
  std::string expr;  // the kernel expression as written at the launch
  const char* file;
  int line;
};

// Runs body once per thread of every block, under each schedule the configuration asks for
// (KDFACE_EMU_SCHEDULES, default 2), and checks that all schedules wrote the same bytes to
// the device memory reachable through `pointers` (the kernel's pointer arguments).
void launch(const Site& site, dim3 grid, dim3 block, size_t shared_bytes, const std::vector<const void*>& pointers,
            const std::function<void()>& body);

template <class T>
void collect_pointer(std::vector<const void*>& out, const T& v) {
  if constexpr (std::is_pointer_v<T>) out.push_back(static_cast<const void*>(v));
}

}  // namespace kd::emu
