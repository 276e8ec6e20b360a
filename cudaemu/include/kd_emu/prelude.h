#pragma once
// Force-included into every .cu file of the emulated build (-include kd_emu/prelude.h):
// CUDA's declaration specifiers become host C++, and the device built-ins come from
// kd_emu/device.h.
//
// __shared__ becomes `static`: blocks run one after another on one OS thread, so one static
// object per declaration is exactly one per running block. Each lands in a section of its
// own, kd_emu_sh<N> (N = __COUNTER__; one section per variable because GCC will not mix
// COMDAT and plain variables in one named section), which the scheduler finds through the
// linker's __start_/__stop_ symbols and refills with poison at every block start, as a GPU
// gives a block shared memory with undefined contents. AddressSanitizer puts red zones
// around them (-fsanitize-sections=kd_emu_sh*), so an out-of-bounds access is reported.
// __launch_bounds__ is dropped: host C++ has nowhere to keep it (the GPU build's launch
// helper checks it through cudaFuncGetAttributes).
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define KD_EMU_SHARED_STR(n) #n
#define KD_EMU_SHARED_N(n)                                                                       \
  static_assert(n < KD_EMU_SHARED_SECTIONS, "more __shared__ declarations in this file than " \
                                            "cudaemu/src/shared_sections.cpp knows");          \
  static __attribute__((section("kd_emu_sh" KD_EMU_SHARED_STR(n))))
#define KD_EMU_SHARED_X(n) KD_EMU_SHARED_N(n)
#define KD_EMU_SHARED_SECTIONS 200
#define __shared__ KD_EMU_SHARED_X(__COUNTER__)
#define __constant__ static
#define __align__(n) alignas(n)
#define __launch_bounds__(...)
#define __CUDACC_EMU__ 1

#include "kd_emu/device.h"
